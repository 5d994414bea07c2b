"""The one error the demo library raises."""

from __future__ import annotations


class DemoError(Exception):
    """A demo that cannot be read: names the byte offset and message number.

    ``offset`` is the byte offset of the record being read (``None`` when the
    file itself could not be opened); ``message_number`` counts records from 0.
    """

    def __init__(
        self,
        reason: str,
        *,
        file: str | None = None,
        offset: int | None = None,
        message_number: int | None = None,
    ) -> None:
        self.reason = reason
        self.file = file
        self.offset = offset
        self.message_number = message_number
        super().__init__(str(self))

    def __str__(self) -> str:
        where = []
        if self.offset is not None:
            where.append(f"offset {self.offset}")
        if self.message_number is not None:
            where.append(f"message {self.message_number}")
        head = ", ".join(where)
        text = f"{head}: {self.reason}" if head else self.reason
        return f"{self.file}: {text}" if self.file else text

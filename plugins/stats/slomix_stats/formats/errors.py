"""The one exception every parser in this package raises for bad input."""

from __future__ import annotations


class ParseError(ValueError):
    """Input that is not a valid file of the expected kind.

    ``file`` names the input (file name, or a description for payloads), ``reason`` says what is
    wrong and ``line`` is the 1-based line number when the problem sits on one line.
    """

    def __init__(self, file: str, reason: str, line: int | None = None) -> None:
        self.file = file
        self.reason = reason
        self.line = line
        super().__init__(str(self))

    def __str__(self) -> str:
        return self.reason if self.line is None else f"{self.reason} (line {self.line})"

    def __reduce__(self):
        # Keep the three attributes when pickled (multiprocessing import workers).
        return (type(self), (self.file, self.reason, self.line))

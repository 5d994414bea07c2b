"""The adapter-neutral answer to a command.

Discord renders a Reply as an embed with attachments, the CLI with rich,
HTTP as JSON. Keep it to what every surface can show.
"""

from __future__ import annotations

from typing import Any

import msgspec

COLOUR_OK = 0x2ECC71
COLOUR_INFO = 0x3498DB
COLOUR_ERROR = 0xE74C3C


class Field(msgspec.Struct, frozen=True):
    """A labelled value (an embed field)."""

    name: str
    value: str
    inline: bool = True


class Table(msgspec.Struct, frozen=True, kw_only=True):
    """Rows under named columns; adapters page it when it is long."""

    columns: list[str]
    rows: list[list[Any]]
    title: str | None = None


class Image(msgspec.Struct, frozen=True, kw_only=True):
    """A picture (a chart) sent as an attachment; ``data`` is JSON-encoded as base64."""

    filename: str
    data: bytes
    content_type: str = "image/png"
    alt: str = ""


class Action(msgspec.Struct, frozen=True, kw_only=True):
    """A button under a reply: pressing it runs ``command`` (a command line such as ``avail today yes``)
    as the person who pressed, and answers only them. Surfaces without buttons show the line."""

    label: str
    command: str


class Reply(msgspec.Struct, kw_only=True):
    """A command's answer. ``pages`` are further replies the user can flip through."""

    title: str | None = None
    description: str | None = None
    fields: list[Field] = []
    tables: list[Table] = []
    images: list[Image] = []
    colour: int = COLOUR_INFO
    footer: str | None = None
    url: str | None = None
    pages: list[Reply] = []
    actions: list[Action] = []
    error: bool = False
    data: Any = None

    @classmethod
    def fail(cls, message: str, *, title: str = "Sorry", **extra: Any) -> Reply:
        """A polite error answer (a refusal, bad input, an internal error with its id)."""
        return cls(title=title, description=message, colour=COLOUR_ERROR, error=True, **extra)

    def to_json(self) -> bytes:
        return msgspec.json.encode(self)


class Announcement(msgspec.Struct, frozen=True, kw_only=True):
    """A Reply meant for the community's channel rather than for one asker.

    ``key`` makes delivery idempotent: an adapter that already posted a key skips it.
    ``to`` (an ``Actor.id`` such as ``discord:123``) makes it a direct message to that person,
    delivered by the adapter the id belongs to, instead of a post in the channel.
    """

    topic: str
    reply: Reply
    key: str
    to: str | None = None

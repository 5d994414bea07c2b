"""One wording for highlights and times on every surface (commands, pages, announcements)."""

from __future__ import annotations

from typing import Any

KIND_NAMES = {"multi_kill": "multi-kill", "spree": "spree", "headshot_chain": "headshot chain",
              "aim_moment": "aim moment", "trade": "trade kill", "long_shot": "long shot", "clutch": "clutch"}


def clock(ms: int, start_ms: int | None) -> str:
    """A server time as m:ss from the demo's start."""
    seconds = max(0, (ms - (start_ms or 0)) // 1000)
    return f"{seconds // 60}:{seconds % 60:02d}"


def moment(h: Any, start_ms: int | None = None) -> str:
    kind = KIND_NAMES.get(h.kind, h.kind)
    extra = f", {h.headshots} HS" if h.headshots else ""
    detail = h.detail or {}
    if h.kind == "long_shot" and "distance" in detail:
        extra += f", {detail['distance']} units"
    if h.kind == "trade" and "avenged" in detail:
        extra += f", avenging {detail['avenged']}"
    when = f" at {clock(h.start_ms, start_ms)}" if start_ms is not None else ""
    return f"{h.player}: {kind} ({h.kills} kill{'s' if h.kills != 1 else ''}{extra}){when}"

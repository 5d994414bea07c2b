"""How Slomix writes times, sides and weapons, wherever they are shown (commands, pages,
announcements, and other plugins' replies through ``slomix_stats.api``): one format each."""

from __future__ import annotations

SIDES = {1: "Axis", 2: "Allies"}


def side(team: int | None, unknown: str = "?") -> str:
    """``Axis`` / ``Allies`` for 1 / 2, else ``unknown``."""
    return SIDES.get(team or 0, unknown)


def duration(seconds: int | float | None) -> str:
    """``4:05``, or ``1:04:05`` from an hour on; ``—`` when unknown."""
    if seconds is None:
        return "—"
    minutes, rest = divmod(max(int(seconds), 0), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{rest:02d}" if hours else f"{minutes}:{rest:02d}"


def weapon_name(name: str) -> str:
    """``WS_MP40`` → ``MP40``."""
    return name.removeprefix("WS_").replace("_", " ")

"""Who plays, when nobody was named: the people in the gaming voice channels now (the voice
plugin, when it runs), as the game accounts they linked."""

from __future__ import annotations

from typing import Any

from slomix_stats import api as stats_api
from slomix_voice import api as voice_api

from . import queries


async def players(kernel: Any) -> tuple[list[tuple[str, str]], list[str]] | None:
    """(GUID, name) of each linked person in voice, and the names of those who linked none;
    None when the voice plugin does not run here."""
    if not any(p.name == "voice" for p in kernel.active):
        return None
    pool = kernel.db.pool
    linked: list[str] = []
    unlinked: list[str] = []
    for member in await voice_api.in_voice(kernel):
        guid = await stats_api.linked_guid(pool, member.id)
        if guid is None:
            unlinked.append(member.name)
        elif guid not in linked:
            linked.append(guid)
    names = await queries.names(pool, linked)
    return [(g, names[g]) for g in linked], unlinked

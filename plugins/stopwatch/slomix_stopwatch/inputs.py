"""Reading what admins type: team names, colours, team specs and player names."""

from __future__ import annotations

import re
from collections.abc import Mapping

from slomix.kernel import UsageError

MAX_NAME = 32
_HEX = re.compile(r"^(?:#|0x)?([0-9a-fA-F]{6})$")


def team_name(text: str) -> str:
    name = " ".join(text.split())
    if not name or len(name) > MAX_NAME or not name.isprintable():
        raise UsageError(f"a team name is 1 to {MAX_NAME} printable characters, not {text!r}")
    return name


def colour(text: str | None) -> int | None:
    if not text:
        return None
    match = _HEX.match(text.strip())
    if match is None:
        raise UsageError(f"a colour is six hex digits such as #ff8800, not {text!r}")
    return int(match[1], 16)


def team_spec(text: str) -> tuple[str | None, list[str]]:
    """``name``, ``name: player, player`` or ``: player, player`` → (name or None, players)."""
    name, colon, roster = text.partition(":")
    players = [p.strip() for p in roster.split(",") if p.strip()] if colon else []
    if colon and not players:
        raise UsageError(f"no players after ':' in {text!r}")
    return (team_name(name) if name.strip() else None), players


def match_player(query: str, players: Mapping[str, set[str]]) -> str:
    """The GUID of the session player ``query`` names: a GUID, an exact name, else a unique
    part of a name (case-insensitive). ``players`` maps GUID → names used in the session."""
    wanted = query.strip().lower()
    if not wanted:
        raise UsageError("which player?")
    by_guid = [g for g in players if g.lower() == wanted]
    exact = [g for g, names in players.items() if wanted in {n.lower() for n in names}]
    partial = [g for g, names in players.items() if any(wanted in n.lower() for n in names)]
    for found in (by_guid, exact, partial):
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            named = ", ".join(sorted(min(players[g]) for g in found))
            raise UsageError(f"{query!r} could be any of: {named}; be more precise")
    raise UsageError(f"nobody called {query!r} played in this session")

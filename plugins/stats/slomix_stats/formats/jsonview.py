"""The object ``slomix parse FILE --json`` prints: plain dicts, lists, str, int, float, None."""

from __future__ import annotations

from typing import Any

from .layout import EXTENDED_FIELDS
from .metrics import format_mss
from .models import PlayerRound, StatsFile

__all__ = ["player_json", "to_parse_json"]


def to_parse_json(sf: StatsFile, r1_filename: str | None = None) -> dict[str, Any]:
    """``r1_file`` is ``r1_filename`` if given, else the one a differential recorded."""
    h = sf.header
    return {
        "file": sf.filename,
        "map": sf.map_name,
        "round": sf.round_number,
        "header": {
            "server_name": h.server_name,
            "map": h.map,
            "config": h.config,
            "round": h.header_round,
            "defender": h.defender,
            "winner": h.winner,
            "time_limit": format_mss(h.time_limit_seconds) or None,
            "time_limit_seconds": h.time_limit_seconds,
            "next_time_limit": format_mss(h.next_time_limit_seconds) or None,
            "next_time_limit_seconds": h.next_time_limit_seconds,
            "playtime_seconds": h.playtime_seconds,
            "field_count": h.header_field_count,
            "diagnostics": list(h.diagnostics),
        },
        "format_version": sf.extended_field_count,
        "defender": h.defender,
        "winner": h.winner,
        "duration_seconds": sf.duration_seconds,
        "r1_file": r1_filename if r1_filename is not None else sf.r1_filename,
        "players": [player_json(p) for p in sf.players],
    }


def player_json(p: PlayerRound) -> dict[str, Any]:
    """One player: identity, the headline numbers, every extended field, the weapons."""
    out: dict[str, Any] = {
        "guid": p.guid,
        "raw_guid": p.raw_guid,
        "name": p.name,
        "clean_name": p.clean_name,
        "team": p.team,
        "rounds": p.rounds,
        "is_bot": p.is_bot,
        "kills": p.kills,
        "deaths": p.deaths,
        "headshots": p.headshots,
        "time_played_seconds": p.time_played_seconds,
        "dpm": p.dpm,
        "accuracy": p.accuracy,
        "efficiency": p.efficiency,
        "kd_ratio": p.kd_ratio,
        "counter_reset": p.counter_reset,
    }
    for name in EXTENDED_FIELDS:
        out[name] = getattr(p, name)
    out["weapons"] = {
        name: {"hits": w.hits, "shots": w.shots, "kills": w.kills, "deaths": w.deaths, "headshots": w.headshots}
        for name, w in p.weapons.items()
    }
    return out

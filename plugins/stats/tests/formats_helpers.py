"""Shared data and helpers for the test_formats_* modules (real files from ../shared/data).

Test modules import this with ``sys.path`` pointing at this folder, because pytest runs with
``--import-mode=importlib`` and test folders are not packages.
"""

from __future__ import annotations

import functools
import json
import os
from pathlib import Path

from slomix_stats.formats import StatsFile, parse_stats

ROOT = Path(__file__).resolve().parents[3]
DATA = Path(os.environ.get("SLOMIX_SHARED_DATA", ROOT.parent / "shared" / "data"))
STATS_DIR = DATA / "stats"
ENDSTATS_DIR = DATA / "endstats"
REFERENCE = DATA / "stats.reference.json"

# The spec's worked example (§1.8, §2.4).
ADLER_R1 = "2025-10-14-212214-etl_adlernest-round-1.txt"
ADLER_R2 = "2025-10-14-212521-etl_adlernest-round-2.txt"
ESCAPE_33 = "2024-04-16-220731-te_escape2-round-1.txt"
FEB_36 = "2025-02-16-222714-te_escape2-round-1.txt"
GOLDRUSH_37 = "2025-07-22-230026-sw_goldrush_te-round-1.txt"
HEADER_ONLY = "2024-09-12-174949-supply-round-2.txt"
ENDEKK = "7B84BE88"


@functools.cache
def raw_files() -> dict[str, bytes]:
    """Every real stats file: name -> bytes, sorted by name."""
    return {p.name: p.read_bytes() for p in sorted(STATS_DIR.glob("*.txt"))}


@functools.cache
def parsed_files() -> dict[str, StatsFile]:
    return {name: parse_stats(data, name) for name, data in raw_files().items()}


@functools.cache
def reference() -> dict:
    return json.loads(REFERENCE.read_text())


def player(sf: StatsFile, guid: str):
    """The one player with this GUID."""
    (found,) = [p for p in sf.players if p.guid == guid]
    return found


def with_header(data: bytes, header: str) -> bytes:
    """The file with line 1 replaced."""
    return header.encode() + b"\n" + data.split(b"\n", 1)[1]


def replace_line(data: bytes, number: int, line: bytes) -> bytes:
    """The file with its 1-based line ``number`` replaced."""
    lines = data.split(b"\n")
    lines[number - 1] = line
    return b"\n".join(lines)


# Round-end webhook shapes, as stats_discord_webhook.lua v1.7.x writes them (spec §9.2).
AXIS = [{"guid": "EDBB5DA9" + "A" * 24, "name": "SuperBoyy"}, {"guid": "D8423F90" + "B" * 24, "name": "vid"}]
ALLIES = [{"guid": "7B84BE88" + "C" * 24, "name": "endekk"}]
PAUSES = [{"n": 1, "start": 1760469100, "end": 1760469160, "sec": 60}]
SPAWNS = [{"guid": "EDBB5DA9" + "A" * 24, "name": "SuperBoyy", "spawns": 9, "deaths": 8, "dead_seconds": 96,
           "avg_respawn": 12, "max_respawn": 21}]


def embed(**overrides: str) -> dict:
    """The Discord message stats_discord_webhook.lua v1.7.x sends (field values are strings)."""
    values = {
        "Map": "etl_adlernest", "Round": "1", "Winner": "2", "Defender": "1", "Lua_Playtime": "138 sec",
        "Lua_Timelimit": "10 min", "Lua_Pauses": "1 (60 sec)", "Lua_EndReason": "objective",
        "Lua_Warmup": "45 sec", "Lua_WarmupStart": "1760468890", "Lua_RoundStart": "1760468935",
        "Lua_RoundEnd": "1760469133", "Lua_SurrenderTeam": "0", "Lua_SurrenderCaller": "",
        "Lua_SurrenderCallerName": "", "Lua_AxisScore": "0", "Lua_AlliesScore": "1",
        "Axis_JSON": json.dumps(AXIS), "Allies_JSON": json.dumps(ALLIES), "Lua_Pauses_JSON": json.dumps(PAUSES),
        "Lua_SpawnSummary": "Players:3 | Spawns:25 | AvgRespawn:12s | MaxRespawn:21s",
    }
    values.update(overrides)
    return {"username": "ET:Legacy Stats", "content": "STATS_READY", "embeds": [{
        "title": "Round Complete: etl_adlernest R1", "color": 3447003,
        "fields": [{"name": k, "value": v, "inline": True} for k, v in values.items()],
        "footer": {"text": "Slomix Lua Webhook v1.7.2"}}]}


def gametime_doc(**meta_overrides) -> dict:
    meta = {"map": "etl_adlernest", "round": 1, "round_start_unix": 1760468935, "round_end_unix": 1760469133,
            "actual_duration_seconds": 138, "warmup_seconds": 45, "pause_seconds": 60, "pause_count": 1,
            "server_ip": "", "server_port": "27960", "match_id": "1760469133", "spawn_stats": SPAWNS}
    meta.update(meta_overrides)
    return {"meta": meta, "payload": embed()}

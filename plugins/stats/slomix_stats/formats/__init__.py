"""ET:Legacy game-server file formats: pure parsing and writing, no I/O beyond what you pass in.

Stats files (every historic version), the round-2 differential, endstats, the round-end webhook
payload and gametime JSON, a stats-file writer and the ``slomix parse --json`` view. Only the
standard library and msgspec; the one exception for bad input is :class:`ParseError`.
"""

from __future__ import annotations

from .differential import CUMULATIVE_FIELDS, R2_ONLY_FIELDS, find_r1, r2_differential
from .endstats import AWARD_NAMES, Award, Endstats, VersusRow, parse_endstats, richest_endstats
from .errors import ParseError
from .filenames import FileName, parse_filename, stats_filename
from .jsonview import player_json, to_parse_json
from .layout import EXTENDED_FIELDS, OPTIONAL_FIELDS, V8_NAMES, WEAPON_NAMES
from .metrics import clean_name, format_mss, parse_mss
from .models import Header, PlayerRound, StatsFile, Weapon
from .render import render_header, render_player, render_stats
from .roundmeta import PauseEvent, RoundMeta, SpawnStat, TeamPlayer, parse_gametime, parse_round_end_payload
from .statsfile import parse_stats

__all__ = [
    "AWARD_NAMES",
    "CUMULATIVE_FIELDS",
    "EXTENDED_FIELDS",
    "OPTIONAL_FIELDS",
    "R2_ONLY_FIELDS",
    "V8_NAMES",
    "WEAPON_NAMES",
    "Award",
    "Endstats",
    "FileName",
    "Header",
    "ParseError",
    "PauseEvent",
    "PlayerRound",
    "RoundMeta",
    "SpawnStat",
    "StatsFile",
    "TeamPlayer",
    "VersusRow",
    "Weapon",
    "clean_name",
    "find_r1",
    "format_mss",
    "parse_endstats",
    "parse_filename",
    "parse_gametime",
    "parse_mss",
    "parse_round_end_payload",
    "parse_stats",
    "player_json",
    "r2_differential",
    "render_header",
    "render_player",
    "render_stats",
    "richest_endstats",
    "stats_filename",
    "to_parse_json",
]

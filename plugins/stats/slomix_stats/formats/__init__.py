"""ET:Legacy game-server file formats: pure parsing and writing, no I/O beyond what you pass in.

Stats files (every historic version), the round-2 differential, endstats, the round-end webhook
payload and gametime JSON, a stats-file writer and the ``slomix parse --json`` view. Only the
standard library and msgspec; the one exception for bad input is :class:`ParseError`.
"""

from __future__ import annotations

from .differential import CUMULATIVE_FIELDS, R2_ONLY_FIELDS, find_r1, r2_differential
from .errors import ParseError
from .filenames import FileName, parse_filename, stats_filename
from .layout import EXTENDED_FIELDS, OPTIONAL_FIELDS, V8_NAMES, WEAPON_NAMES
from .metrics import clean_name, format_mss, parse_mss
from .models import Header, PlayerRound, StatsFile, Weapon
from .statsfile import parse_stats

__all__ = [
    "CUMULATIVE_FIELDS",
    "EXTENDED_FIELDS",
    "OPTIONAL_FIELDS",
    "R2_ONLY_FIELDS",
    "V8_NAMES",
    "WEAPON_NAMES",
    "FileName",
    "Header",
    "ParseError",
    "PlayerRound",
    "StatsFile",
    "Weapon",
    "clean_name",
    "find_r1",
    "format_mss",
    "parse_filename",
    "parse_mss",
    "parse_stats",
    "r2_differential",
    "stats_filename",
]

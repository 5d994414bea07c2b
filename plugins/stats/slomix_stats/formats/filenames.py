"""File names written by the game server: stats, endstats and the webhook's gametime JSON.

Names arrive from outside (SFTP listings, webhooks, uploads), so they are validated strictly
(spec §1.2) before anything uses them as a path or a key.
"""

from __future__ import annotations

import re
from datetime import datetime

import msgspec

from .errors import ParseError

__all__ = ["FileName", "parse_filename", "stats_filename"]

MAX_NAME_LENGTH = 255
MAX_MAP_LENGTH = 50
YEARS = range(2020, 2036)
ROUNDS = range(1, 11)

# [0-9] rather than \d: \d also matches non-ASCII digits.
_GAME_FILE = re.compile(
    r"([0-9]{4}-[0-9]{2}-[0-9]{2})-([0-9]{2})([0-9]{2})([0-9]{2})-([A-Za-z0-9_-]+)-round-([0-9]{1,2})"
    r"(-endstats)?\.txt"
)
_GAMETIME_FILE = re.compile(r"gametime-([A-Za-z0-9_-]+)-R([0-9]{1,2})-([0-9]{1,12})\.json")


class FileName(msgspec.Struct, frozen=True):
    """What a file name says.

    ``timestamp`` is the server's local wall clock when the file was written (the END of the
    round). Gametime names carry a unix time instead (``round_end_unix``); their date, time,
    timestamp and match_stamp are None because the server's time zone is not in the name.
    """

    name: str
    kind: str  # "stats" | "endstats" | "gametime"
    map: str
    round_number: int
    date: str | None = None  # "YYYY-MM-DD"
    time: str | None = None  # "HHMMSS"
    timestamp: datetime | None = None
    match_stamp: str | None = None  # "YYYY-MM-DD-HHMMSS"
    round_end_unix: int | None = None


def parse_filename(name: str) -> FileName:
    """Validate and split a bare file name (no directories). Raises ParseError."""
    if not isinstance(name, str):
        raise ParseError(repr(name)[:MAX_NAME_LENGTH], "file name must be a string")
    m = _GAME_FILE.fullmatch(name) if len(name) <= MAX_NAME_LENGTH else None
    if m is None:
        if name.startswith("gametime-"):
            return _parse_gametime_name(name)
        raise ParseError(name[:MAX_NAME_LENGTH], _why_not(name))
    date, hour, minute, second, map_name, round_text, endstats = m.groups()
    if len(map_name) > MAX_MAP_LENGTH:
        raise ParseError(name, f"map name longer than {MAX_MAP_LENGTH} characters")
    round_number = int(round_text)
    if round_number not in ROUNDS:
        raise ParseError(name, f"round {round_number} outside {ROUNDS.start}..{ROUNDS.stop - 1}")
    if int(date[:4]) not in YEARS:
        raise ParseError(name, f"year {date[:4]} outside {YEARS.start}..{YEARS.stop - 1}")
    try:
        timestamp = datetime.fromisoformat(f"{date}T{hour}:{minute}:{second}")
    except ValueError as exc:
        raise ParseError(name, f"invalid date or time in file name: {exc}") from None
    time = hour + minute + second
    return FileName(name, "endstats" if endstats else "stats", map_name, round_number, date, time,
                    timestamp, f"{date}-{time}")


def _why_not(name: str) -> str:
    """The reason a name failed the pattern (slow path, for the error message)."""
    if not name:
        return "empty file name"
    if len(name) > MAX_NAME_LENGTH:
        return f"file name longer than {MAX_NAME_LENGTH} characters"
    if "/" in name or "\\" in name or "\0" in name or ".." in name:
        return "file name contains a path separator, NUL or '..'"
    return "not a stats file name (YYYY-MM-DD-HHMMSS-<map>-round-<N>.txt)"


def stats_filename(timestamp: datetime, map_name: str, round_number: int, endstats: bool = False) -> str:
    """The name the server's Lua would give a file saved at ``timestamp`` (inverse of parse)."""
    suffix = "-endstats" if endstats else ""
    return f"{timestamp:%Y-%m-%d-%H%M%S}-{map_name}-round-{round_number}{suffix}.txt"


def _parse_gametime_name(name: str) -> FileName:
    m = _GAMETIME_FILE.fullmatch(name)
    if m is None:
        if "/" in name or "\\" in name or "\0" in name or ".." in name:
            raise ParseError(name, "file name contains a path separator, NUL or '..'")
        raise ParseError(name, "not a gametime file name (gametime-<map>-R<N>-<round_end_unix>.json)")
    map_name, round_text, unix_text = m.groups()
    if len(map_name) > MAX_MAP_LENGTH:
        raise ParseError(name, f"map name longer than {MAX_MAP_LENGTH} characters")
    round_number = int(round_text)
    if round_number not in ROUNDS:
        raise ParseError(name, f"round {round_number} outside {ROUNDS.start}..{ROUNDS.stop - 1}")
    return FileName(name=name, kind="gametime", map=map_name, round_number=round_number,
                    round_end_unix=int(unix_text))

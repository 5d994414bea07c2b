"""Small conversions shared by the parser, the R2 differential and the writer."""

from __future__ import annotations

import hashlib
import re

__all__ = ["bot_guid", "clean_name", "format_mss", "minutes_to_seconds", "parse_mss"]

_COLOUR = re.compile(r"\^[0-9a-zA-Z]")
_clean_cache: dict[str, str] = {}


def clean_name(name: str) -> str:
    """Strip ``^`` + one ASCII letter/digit (the stats pipeline's rule, spec §1.10.12)."""
    if "^" not in name:
        return name
    clean = _clean_cache.get(name)
    if clean is None:
        clean = _COLOUR.sub("", name)
        if len(_clean_cache) < 65536:  # names repeat a lot; keep the cache bounded
            _clean_cache[name] = clean
    return clean


def bot_guid(raw_guid: str, clean: str) -> str:
    """Omni-bots all write ``OMNIBOT0``: make them distinct by name (spec §1.11)."""
    return raw_guid + hashlib.sha256(clean.encode("utf-8", "surrogatepass")).hexdigest()[:24].upper()


def minutes_to_seconds(minutes: float) -> int:
    """int(minutes * 60) for a value with 0.1-minute resolution, computed exactly.

    The file writes minutes with one decimal; float arithmetic makes int(4.1 * 60) == 245,
    so count tenths first: 4.1 min -> 41 tenths -> 246 s.
    """
    return round(minutes * 10) * 6


def parse_mss(text: str) -> int | None:
    """``M:SS`` (minutes may exceed 59) or decimal minutes -> seconds; None if unreadable."""
    minutes, colon, seconds = text.partition(":")
    if colon:
        if (len(seconds) == 2 and 0 < len(minutes) <= 6 and minutes.isdigit() and seconds.isdigit()
                and minutes.isascii() and seconds.isascii() and seconds < "60"):
            return int(minutes) * 60 + int(seconds)
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    if not 0 <= value < 1e6:  # also rejects nan
        return None
    return round(value * 60)


def format_mss(seconds: int | None) -> str:
    """Seconds -> ``M:SS`` as the Lua writes it (``2:18``, ``12:00``, ``86:40``)."""
    if seconds is None:
        return ""
    return f"{seconds // 60}:{seconds % 60:02d}"

"""Endstats files: the round's awards and each player's kills/deaths against every enemy (spec §3).

Rows are TAB-joined, names already colour-stripped by the game (Q_CleanStr). Section 1 holds
award rows ``<award>\\t<player>\\t<value>``; section 2 the versus rows ``<enemy>\\t<kills>\\t<deaths>``,
since 2026 grouped under ``VS_HEADER\\t<subject>\\t<32-char GUID>`` lines.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable

import msgspec

from .errors import ParseError
from .filenames import parse_filename
from .statsfile import decode_text

__all__ = ["AWARD_NAMES", "Award", "Endstats", "VersusRow", "parse_endstats", "richest_endstats"]

# The 51 award names of Slomix's endstats.lua in the order it writes them (j = 1..49, where
# j = 9 writes doublekills, multikills, then quickest multikill; then the 4 weapon awards).
# "Most damage per minute" is computed but never written; "Most useful kills" and "Most
# useless kills" are never written under their own names (the j = 44 bug below).
AWARD_NAMES: tuple[str, ...] = (
    "Most damage given", "Most damage received", "Most team damage given", "Most team damage received",
    "Most teamkills", "Most selfkills", "Most deaths", "Most kills per minute", "Most doublekills",
    "Most multikills", "Quickest multikill w/ light weapons", "Farthest riflenade kill",
    "Most light weapon kills", "Most pistol kills", "Most rifle kills", "Most riflenade kills",
    "Most sniper kills", "Most knife kills", "Most air support kills", "Most mine kills",
    "Most grenade kills", "Most panzer kills", "Most mortar kills", "Most panzer deaths", "Mortarmagnet",
    "Most MG42 kills", "Most MG42 deaths", "Most revives", "Most revived", "Best K/D ratio",
    "Most dynamites planted", "Most dynamites defused", "Longest killing spree", "Longest death spree",
    "Most objectives stolen", "Most objectives returned", "Most corpse gibs", "Most kill assists",
    "Most killsteals", "Most headshot kills", "Most damage per minute", "Tank/Meatshield (Refuses to die)",
    "Most useful kills (>Half respawn time left)", "Most useless kills", "Full respawn king",
    "Least time dead (What spawn?)", "Most playtime denied", "Highest light weapons accuracy",
    "Highest headshot accuracy", "Most headshots", "Most bullets fired",
)
_RANK = {name: rank for rank, name in enumerate(AWARD_NAMES)}
_SPREE, _STOLEN = "Longest killing spree", "Most objectives stolen"
_USEFUL, _USELESS = "Most useful kills (>Half respawn time left)", "Most useless kills"
# Longest first, so "Most kills per minute" never matches as plain "Most kill...".
_BY_LENGTH = sorted(AWARD_NAMES, key=len, reverse=True)

_KILLS_IN = re.compile(r"(\d+) kills in ([0-9.]+)s")
_PERCENT_MIN = re.compile(r"([0-9.]+) percent, ([0-9.]+) min")
_RATIO = re.compile(r"Damage received vs death ratio: ([0-9.]+)x")
_WITH_UNIT = re.compile(r"(-?[0-9.]+) (percent|seconds|m)")
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")  # Lua prints 1e+15
MAX_NAME = 128


class Award(msgspec.Struct, frozen=True):
    """One award row. ``name`` is the award (corrected for the j = 44 label bug), ``label`` the
    text in the file. ``value`` is the leading number of ``value_text`` (None for Lua's
    ``inf``/``nan``); ``unit`` is None, "percent", "seconds", "m", "x" or "kills in s";
    ``extra`` is the second number: seconds of a quickest multikill, minutes of a
    time-dead award. ``known`` is False for a name outside the 51."""

    name: str
    label: str
    player: str
    value_text: str
    value: float | None
    unit: str | None = None
    extra: float | None = None
    known: bool = True


class VersusRow(msgspec.Struct, frozen=True):
    """The subject's kills on / deaths by one opponent. Subject unknown (None) in files
    written before VS_HEADER existed."""

    subject_name: str | None
    subject_guid: str | None
    opponent_name: str
    kills: int
    deaths: int


class Endstats(msgspec.Struct, frozen=True):
    """A parsed endstats file; ``corrections`` lists what was repaired (the label bug)."""

    filename: str
    map_name: str
    round_number: int
    awards: list[Award]
    versus: list[VersusRow]
    size: int
    corrections: tuple[str, ...] = ()


def parse_endstats(data: bytes | str, filename: str) -> Endstats:
    """Parse one endstats file. Raises ParseError naming the line for anything malformed."""
    info = parse_filename(filename)
    if info.kind != "endstats":
        raise ParseError(filename, f"{info.kind} file name, expected an endstats file name")
    size = len(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data)
    text = decode_text(data, filename)
    awards: list[Award] = []
    versus: list[VersusRow] = []
    corrections: list[str] = []
    subject: tuple[str, str] | None = None
    in_awards = True
    last_rank = -1
    spree_seen = False
    bug_row = False  # the previous row was the j = 44 duplicate
    for number, raw in enumerate(text.split("\n"), 1):
        line = raw.rstrip("\r")
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 3:
            raise ParseError(filename, f"expected 3 TAB-separated fields, found {len(fields)}", number)
        first, second, third = fields
        if first == "VS_HEADER":
            guid = third.strip().upper()
            if not guid or len(guid) > 64 or not guid.isalnum() or not guid.isascii():
                raise ParseError(filename, f"invalid VS_HEADER GUID {third[:70]!r}", number)
            subject, in_awards = (_name(second, filename, number), guid), False
            continue
        name = _award_name(first) if in_awards else None
        counts = _counts(second, third)
        if counts is not None and name != first:  # only an exact award name beats "<name> <int> <int>"
            in_awards = False
            versus.append(VersusRow(subject[0] if subject else None, subject[1] if subject else None,
                                    _name(first, filename, number), *counts))
            continue
        if not in_awards:
            raise ParseError(filename, "expected a versus row: <name> <kills> <deaths>", number)
        award = _award(name or first, first, _name(second, filename, number), third, name is not None)
        rank = _RANK.get(award.name, last_rank)
        is_bug = bug_row
        bug_row = False
        # endstats.lua's j = 44 branch writes "Longest killing spree" again (instead of the
        # most-useful-kills award) and, when useless kills > 3, writes them as "Most objectives
        # stolen". The file order tells them apart: j = 44 comes after every rank up to 43.
        if award.name == _SPREE and (spree_seen or last_rank > rank or (award.value or 0) <= 1):
            corrections.append(f"line {number}: {_SPREE!r} from endstats.lua's j=44 label bug; dropped")
            last_rank, bug_row = _RANK[_USEFUL], True
            continue
        if award.name == _STOLEN and (is_bug or last_rank > rank):
            corrections.append(f"line {number}: {_STOLEN!r} after the j=44 row is {_USELESS!r}; renamed")
            award = msgspec.structs.replace(award, name=_USELESS)
            rank = _RANK[_USELESS]
        spree_seen = spree_seen or award.name == _SPREE
        last_rank = max(last_rank, rank)
        awards.append(award)
    return Endstats(filename, info.map, info.round_number, awards, versus, size, tuple(corrections))


def richest_endstats(candidates: Iterable[Endstats]) -> Endstats | None:
    """Of the files one round's endstats were split into (a second ticked over while the Lua
    appended), the one with most awards, then most versus rows, then most bytes (spec §3.1).
    Ties go to the later file name, so the choice never depends on the order given."""
    return max(candidates, key=lambda e: (len(e.awards), len(e.versus), e.size, e.filename), default=None)


def _award_name(label: str) -> str | None:
    """The known award a label is, or starts with; None if it is none of the 51."""
    if label in _RANK:
        return label
    for name in _BY_LENGTH:
        if label.startswith(name):
            return name
    return None


def _counts(kills: str, deaths: str) -> tuple[int, int] | None:
    kills, deaths = kills.strip(), deaths.strip()
    if kills.isdigit() and deaths.isdigit() and kills.isascii() and deaths.isascii() \
            and len(kills) < 10 and len(deaths) < 10:
        return int(kills), int(deaths)
    return None


def _name(text: str, filename: str, number: int) -> str:
    if len(text) > MAX_NAME:
        raise ParseError(filename, f"name longer than {MAX_NAME} characters", number)
    return text


def _award(name: str, label: str, player: str, text: str, known: bool) -> Award:
    text = text.strip()
    if m := _KILLS_IN.fullmatch(text):
        return Award(name, label, player, text, _float(m[1]), "kills in s", _float(m[2]), known)
    if m := _PERCENT_MIN.fullmatch(text):
        return Award(name, label, player, text, _float(m[1]), "percent", _float(m[2]), known)
    if m := _RATIO.fullmatch(text):
        return Award(name, label, player, text, _float(m[1]), "x", None, known)
    if m := _WITH_UNIT.fullmatch(text):
        return Award(name, label, player, text, _float(m[1]), m[2], None, known)
    m = _NUMBER.match(text)
    return Award(name, label, player, text, _float(m[0]) if m else None, None, None, known)


def _float(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:  # "1.2.3"
        return None
    return value if math.isfinite(value) else None  # 1e+999

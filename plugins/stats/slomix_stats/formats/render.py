"""Write stats files in the current format (8- or 9-field header, 38 TAB fields).

``parse_stats(render_stats(sf), sf.filename) == sf`` for every parsed 38-field file: the
round trip the tests check on all real files. Used by the synthetic-data generator and tests.
Fields an older version lacked (None) are written as 0, as the current Lua would.
"""

from __future__ import annotations

from operator import itemgetter

from msgspec.structs import astuple

from .layout import FLOAT_V8, V8_NAMES, WEAPON_NAMES
from .metrics import format_mss
from .models import Header, PlayerRound, StatsFile

__all__ = ["render_header", "render_player", "render_stats"]

_WEAPON_BIT = {name: bit for bit, name in enumerate(WEAPON_NAMES)}
_EXTENDED_TEMPLATE = "\t".join("%.1f" if i in FLOAT_V8 else "%d" for i in range(38))
_PLACEHOLDER = {"missing": "", "non_numeric": "x", "out_of_range": "9"}
_extended = itemgetter(*(PlayerRound.__struct_fields__.index(name) for name in V8_NAMES))


def render_stats(sf: StatsFile) -> str:
    """The whole file: header line, then one line per player, each ``\\n``-terminated."""
    return "".join([render_header(sf.header), *map(render_player, sf.players)])


def render_header(h: Header) -> str:
    """Line 1. A defender/winner that fell back to its default is written the way it was
    found (empty, non-numeric, out of range) so the diagnostics survive the round trip."""
    fields = [h.server_name, h.map, h.config, "" if h.header_round is None else str(h.header_round),
              _team(h, "defender", h.defender), _team(h, "winner", h.winner),
              format_mss(h.time_limit_seconds), format_mss(h.next_time_limit_seconds)]
    if h.header_field_count == 9:
        fields.append(_playtime(h.playtime_seconds))
    return "\\".join(fields) + "\n"


def render_player(p: PlayerRound) -> str:
    """``GUID\\name\\rounds\\team\\mask w1..wn \\t`` + the 38 TAB fields + ``\\n``."""
    mask = 0
    numbers: list[str] = []
    for name in sorted(p.weapons, key=_WEAPON_BIT.__getitem__):
        w = p.weapons[name]
        mask |= 1 << _WEAPON_BIT[name]
        numbers.append(f" {w.hits} {w.shots} {w.kills} {w.deaths} {w.headshots}")
    values = _extended(astuple(p))
    if None in values:
        values = tuple(0 if v is None else v for v in values)
    return (f"{p.raw_guid}\\{p.name}\\{p.rounds}\\{p.team}\\{mask}{''.join(numbers)} \t"
            + _EXTENDED_TEMPLATE % values + "\n")


def _team(h: Header, name: str, value: int) -> str:
    for reason in h.diagnostics:
        field, _, why = reason.partition("_")
        if field == name:
            return _PLACEHOLDER.get(why, str(value))
    return str(value)


def _playtime(seconds: float | None) -> str:
    """f9 as the v8 Lua writes it (ms); small values as seconds so the > 10 000 rule reads
    them back the same; unknown as 0."""
    if seconds is None:
        return "0"
    ms = round(seconds * 1000)
    if ms > 10_000:
        return str(ms)
    return str(int(seconds)) if seconds == int(seconds) else repr(seconds)

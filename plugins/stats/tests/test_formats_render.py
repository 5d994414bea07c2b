"""Writing stats files back, and the ``slomix parse --json`` view."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from msgspec.structs import replace

sys.path.insert(0, str(Path(__file__).parent))
import formats_helpers as h

from slomix_stats.formats import (
    EXTENDED_FIELDS,
    parse_stats,
    r2_differential,
    render_player,
    render_stats,
    to_parse_json,
)

V38 = [n for n, sf in h.parsed_files().items() if sf.extended_field_count == 38]


@pytest.mark.parametrize("name", V38)
def test_round_trip_of_every_real_38_field_file(name):
    sf = h.parsed_files()[name]
    text = render_stats(sf)
    assert parse_stats(text, name) == sf
    assert text.encode() == h.raw_files()[name]  # byte for byte, even


def test_nine_field_header_round_trips():
    base = h.raw_files()[h.ADLER_R1]
    for f9 in ("137456", "231", "7", "9.5", "-20", "0"):
        data = h.with_header(base, f"srv\\etl_adlernest\\legacy3\\1\\1\\2\\10:00\\2:18\\{f9}")
        sf = parse_stats(data, h.ADLER_R1)
        assert parse_stats(render_stats(sf), h.ADLER_R1) == sf, f9


def test_header_diagnostics_round_trip():
    data = h.with_header(h.raw_files()[h.ADLER_R1], "s\\m\\c\\\\x\\5\\\\zz")
    sf = parse_stats(data, h.ADLER_R1)
    assert sf.header.diagnostics == ("defender_non_numeric", "winner_out_of_range")
    assert (sf.header.header_round, sf.header.time_limit_seconds, sf.header.next_time_limit_seconds) == (None,) * 3
    assert parse_stats(render_stats(sf), h.ADLER_R1) == sf


def test_older_versions_are_written_as_38_fields_with_zeros():
    sf = h.parsed_files()[h.ESCAPE_33]
    again = parse_stats(render_stats(sf), h.ESCAPE_33)
    assert again.extended_field_count == 38
    for a, b in zip(again.players, sf.players, strict=True):
        assert a.denied_playtime == 0 and b.denied_playtime is None
        assert (a.double_kills, a.kills, a.weapons) == (b.double_kills, b.kills, b.weapons)


def test_weapons_written_in_bit_order_whatever_the_dict_order():
    p = h.player(h.parsed_files()[h.ADLER_R1], h.ENDEKK)
    shuffled = replace(p, weapons=dict(reversed(list(p.weapons.items()))))
    assert render_player(shuffled) == render_player(p)
    assert render_player(p).startswith("7B84BE88\\endekk\\0\\2\\134219824 6 12 2 1 2 20 52 5 0 5 ")


def test_parse_json_view():
    r1, r2 = h.parsed_files()[h.ADLER_R1], h.parsed_files()[h.ADLER_R2]
    view = to_parse_json(r2_differential(r1, r2))
    assert json.loads(json.dumps(view, allow_nan=False)) == view
    assert (view["file"], view["map"], view["round"], view["r1_file"]) == (h.ADLER_R2, "etl_adlernest", 2, h.ADLER_R1)
    assert (view["defender"], view["winner"], view["duration_seconds"]) == (1, 1, 138)
    assert view["header"]["time_limit"] == "2:18" and view["header"]["field_count"] == 8
    (p,) = [p for p in view["players"] if p["guid"] == h.ENDEKK]
    assert (p["kills"], p["deaths"], p["damage_given"], p["time_played_seconds"], round(p["dpm"], 1)) == (
        4, 3, 842, 138, 366.1)
    assert set(EXTENDED_FIELDS) <= set(p) and "lua_dpm" not in p
    assert p["weapons"]["WS_MP40"] == {"hits": 39, "shots": 80, "kills": 4, "deaths": 0, "headshots": 6}
    assert to_parse_json(r1)["r1_file"] is None
    assert to_parse_json(r2, r1_filename="x.txt")["r1_file"] == "x.txt"


def test_parse_json_view_of_an_old_file_has_nulls():
    view = to_parse_json(h.parsed_files()[h.ESCAPE_33])
    assert view["format_version"] == 33
    assert all(p["denied_playtime"] is None for p in view["players"])
    json.dumps(view, allow_nan=False)

"""File names (spec §1.2): strict validation of names that arrive from outside."""

from __future__ import annotations

from datetime import datetime

import pytest

from slomix_stats.formats import ParseError, parse_filename, stats_filename


def test_stats_name():
    f = parse_filename("2025-10-14-212214-etl_adlernest-round-1.txt")
    assert (f.kind, f.map, f.round_number, f.date, f.time) == ("stats", "etl_adlernest", 1, "2025-10-14", "212214")
    assert f.timestamp == datetime(2025, 10, 14, 21, 22, 14)
    assert f.match_stamp == "2025-10-14-212214" and f.round_end_unix is None


def test_map_with_dashes_and_endstats():
    f = parse_filename("2026-01-12-224606-te-escape-2-round-2-endstats.txt")
    assert (f.kind, f.map, f.round_number) == ("endstats", "te-escape-2", 2)


def test_gametime_name():
    f = parse_filename("gametime-etl_adlernest-R2-1760469133.json")
    assert (f.kind, f.map, f.round_number, f.round_end_unix) == ("gametime", "etl_adlernest", 2, 1760469133)
    assert f.date is None and f.timestamp is None


def test_stats_filename_is_the_inverse():
    ts = datetime(2025, 10, 14, 21, 22, 14)
    assert stats_filename(ts, "supply", 2) == "2025-10-14-212214-supply-round-2.txt"
    assert parse_filename(stats_filename(ts, "supply", 2, endstats=True)).kind == "endstats"


@pytest.mark.parametrize(("name", "reason"), [
    ("", "empty"),
    ("x" * 256, "longer than 255"),
    ("../2025-10-14-212214-supply-round-1.txt", "path separator"),
    ("2025-10-14-212214-sup/ply-round-1.txt", "path separator"),
    ("2025-10-14-212214-sup\\ply-round-1.txt", "path separator"),
    ("2025-10-14-212214-sup\0ply-round-1.txt", "path separator"),
    ("2025-10-14-212214-sup..ply-round-1.txt", "path separator"),
    ("2025-10-14-212214-supply-round-1.txt.bak", "not a stats file name"),
    ("2025-10-14-212214-supply-round-1_ws.txt", "not a stats file name"),
    ("2025-10-14-2122-supply-round-1.txt", "not a stats file name"),
    ("２025-10-14-212214-supply-round-1.txt", "not a stats file name"),  # non-ASCII digit
    ("2019-10-14-212214-supply-round-1.txt", "year 2019"),
    ("2036-10-14-212214-supply-round-1.txt", "year 2036"),
    ("2025-13-14-212214-supply-round-1.txt", "invalid date"),
    ("2025-02-30-212214-supply-round-1.txt", "invalid date"),
    ("2025-10-14-246014-supply-round-1.txt", "invalid date or time"),
    ("2025-10-14-212214-supply-round-0.txt", "round 0"),
    ("2025-10-14-212214-supply-round-11.txt", "round 11"),
    ("2025-10-14-212214-" + "m" * 51 + "-round-1.txt", "map name longer"),
    ("gametime-supply-R1-abc.json", "not a gametime"),
    ("gametime-../x-R1-1.json", "path separator"),
    ("gametime-supply-R0-1.json", "round 0"),
])
def test_rejected(name, reason):
    with pytest.raises(ParseError) as err:
        parse_filename(name)
    assert reason in err.value.reason and err.value.line is None


def test_not_a_string():
    with pytest.raises(ParseError):
        parse_filename(b"2025-10-14-212214-supply-round-1.txt")  # type: ignore[arg-type]

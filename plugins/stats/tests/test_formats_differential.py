"""Round-2 differential and R1 matching (spec §2)."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest
from msgspec.structs import replace

sys.path.insert(0, str(Path(__file__).parent))
import formats_helpers as h

from slomix_stats.formats import (
    CUMULATIVE_FIELDS,
    R2_ONLY_FIELDS,
    ParseError,
    Weapon,
    find_r1,
    parse_stats,
    r2_differential,
)


def adler():
    return h.parsed_files()[h.ADLER_R1], h.parsed_files()[h.ADLER_R2]


def test_spec_worked_example_endekk():
    """Spec §2.4: R2-only = 4 kills, 3 deaths, 842 damage, 138 s, DPM 366.1, xp 16 (raw),
    dead 1.7 min, ratio 73.9 %."""
    r1, r2 = adler()
    d = r2_differential(r1, r2)
    assert d.r1_filename == h.ADLER_R1 and d.filename == h.ADLER_R2 and d.round_number == 2
    assert d.header == r2.header and d.duration_seconds == r2.duration_seconds
    p = h.player(d, h.ENDEKK)
    assert (p.kills, p.deaths, p.damage_given, p.time_played_seconds) == (4, 3, 842, 138)
    assert round(p.dpm, 1) == 366.1
    assert (p.xp, p.time_dead_minutes, round(p.time_dead_ratio, 1)) == (16, 1.7, 73.9)
    assert p.time_played_minutes == 2.3 and not p.counter_reset
    assert p.weapons["WS_MP40"] == Weapon(39, 80, 4, 0, 6)  # R2 cumulative minus R1
    assert p.headshots == sum(w.headshots for w in p.weapons.values()) == 6
    assert p.accuracy == pytest.approx(40 * 100 / 83)
    assert p.bullets_fired == 83


def test_r2_only_fields_are_taken_as_written_and_cumulative_ones_subtracted():
    r1, r2 = adler()
    d = r2_differential(r1, r2)
    before = {p.guid: p for p in r1.players}
    raw = {p.guid: p for p in r2.players}
    for p in d.players:
        q, cum = before[p.guid], raw[p.guid]
        assert not p.counter_reset
        for f in R2_ONLY_FIELDS:
            assert getattr(p, f) == getattr(cum, f), f
        for f in CUMULATIVE_FIELDS:
            assert getattr(p, f) == max(0, getattr(cum, f) - getattr(q, f)), f
        assert p.kills == cum.kills - q.kills and p.deaths == cum.deaths - q.deaths
        assert 0 <= p.time_played_percent <= 100


def test_time_played_percent_is_recomputed_from_alive_time():
    r1, r2 = adler()
    q, p = h.player(r1, h.ENDEKK), h.player(r2, h.ENDEKK)
    d = h.player(r2_differential(r1, r2), h.ENDEKK)
    alive = p.time_played_percent / 100 * 4.6 - q.time_played_percent / 100 * 2.3
    assert d.time_played_percent == pytest.approx(alive / 2.3 * 100)


def test_counter_reset_fallback_when_any_counter_went_down():
    """A reconnect resets the engine session: ANY lower cumulative value -> raw R2 values."""
    r1, r2 = adler()
    q = h.player(r1, h.ENDEKK)
    for change in ({"kills": 99}, {"deaths": 99}, {"damage_given": 10_000}, {"damage_received": 10_000},
                   {"time_played_minutes": 9.9}):
        bigger = replace(r1, players=[replace(q, **change) if p.guid == h.ENDEKK else p for p in r1.players])
        d = r2_differential(bigger, r2)
        p = h.player(d, h.ENDEKK)
        assert p.counter_reset
        assert replace(p, counter_reset=False) == h.player(r2, h.ENDEKK)
        assert sum(x.counter_reset for x in d.players) == 1


def test_clamp_at_zero():
    """A counter that is not one of the reset triggers can still be lower: clamp, don't go negative."""
    r1, r2 = adler()
    q = h.player(r1, h.ENDEKK)
    more = replace(q, gibs=50, team_damage_given=999, tank_meatshield=50.0,
                   weapons={**q.weapons, "WS_MP40": Weapon(1000, 1000, 0, 0, 1000)})
    d = h.player(r2_differential(replace(r1, players=[more]), r2), h.ENDEKK)
    assert not d.counter_reset
    assert (d.gibs, d.team_damage_given, d.tank_meatshield) == (0, 0, 0.0)
    r2_mp40 = h.player(r2, h.ENDEKK).weapons["WS_MP40"]
    assert d.weapons["WS_MP40"] == Weapon(0, 0, r2_mp40.kills, r2_mp40.deaths, 0)


def test_late_joiner_keeps_r2_values_and_leavers_disappear():
    r1, r2 = adler()
    without = replace(r1, players=[p for p in r1.players if p.guid != h.ENDEKK])
    d = r2_differential(without, r2)
    assert h.player(d, h.ENDEKK) == h.player(r2, h.ENDEKK)
    assert [p.guid for p in d.players] == [p.guid for p in r2.players]
    fewer = replace(r2, players=r2.players[:2])
    assert [p.guid for p in r2_differential(r1, fewer).players] == [p.guid for p in r2.players[:2]]


def test_c0rnp0rn2_files_without_time_use_the_r2_duration():
    r1, r2 = adler()
    no_time = lambda sf: replace(sf, players=[replace(p, time_played_minutes=None) for p in sf.players])  # noqa: E731
    d = r2_differential(no_time(r1), no_time(r2))
    p = h.player(d, h.ENDEKK)
    assert p.time_played_minutes is None and p.time_played_seconds == r2.duration_seconds


def test_order_independence():
    """An R2 that arrives before its R1: parsing order, candidate order and repeated calls
    never change the result (the function is pure)."""
    raw = h.raw_files()
    r2_first = parse_stats(raw[h.ADLER_R2], h.ADLER_R2)
    r1_later = parse_stats(raw[h.ADLER_R1], h.ADLER_R1)
    expected = r2_differential(*adler())
    assert r2_differential(r1_later, r2_first) == expected
    assert r2_differential(r1_later, r2_first) == expected
    names = list(raw)
    for seed in range(5):
        random.Random(seed).shuffle(names)
        assert find_r1(h.ADLER_R2, names) == h.ADLER_R1
    assert find_r1(h.ADLER_R2, [h.ADLER_R2]) is None  # R2 alone: orphan until its R1 arrives
    assert find_r1(h.ADLER_R2, [h.ADLER_R2, h.ADLER_R1]) == h.ADLER_R1


def test_wrong_arguments_raise_parse_error():
    r1, r2 = adler()
    with pytest.raises(ParseError, match="round 1 then round 2"):
        r2_differential(r2, r1)
    other = h.parsed_files()["2025-10-14-214626-supply-round-2.txt"]
    with pytest.raises(ParseError, match="etl_adlernest"):
        r2_differential(r1, other)


class TestFindR1:
    R2 = "2025-10-14-212521-etl_adlernest-round-2.txt"

    def test_latest_within_window_wins(self):
        cands = ["2025-10-14-204100-etl_adlernest-round-1.txt",  # 44:21 before: inside
                 "2025-10-14-210000-etl_adlernest-round-1.txt",
                 "2025-10-14-212214-etl_adlernest-round-1.txt",
                 "2025-10-14-212600-etl_adlernest-round-1.txt"]  # after R2: never
        assert find_r1(self.R2, cands) == "2025-10-14-212214-etl_adlernest-round-1.txt"
        assert find_r1(self.R2, cands[:2]) == "2025-10-14-210000-etl_adlernest-round-1.txt"
        assert find_r1(self.R2, cands[:1]) == cands[0]
        assert find_r1(self.R2, cands[:1], window_minutes=30) is None

    def test_window_edges(self):
        assert find_r1(self.R2, ["2025-10-14-204021-etl_adlernest-round-1.txt"]) is not None  # exactly 45 min
        assert find_r1(self.R2, ["2025-10-14-204020-etl_adlernest-round-1.txt"]) is None
        assert find_r1(self.R2, ["2025-10-14-212521-etl_adlernest-round-1.txt"]) is None  # not strictly before

    def test_same_map_string_round_1_stats_only(self):
        assert find_r1(self.R2, ["2025-10-14-212214-etl_adlernest_b4-round-1.txt",
                                 "2025-10-14-212214-supply-round-1.txt",
                                 "2025-10-14-212214-etl_adlernest-round-2.txt",
                                 "2025-10-14-212214-etl_adlernest-round-1-endstats.txt",
                                 "not a stats file", "2025-10-14-212214-etl_adlernest-round-1.txt/"]) is None

    def test_midnight_crossing_and_paths(self):
        r2 = "2025-10-15-000500-supply-round-2.txt"
        assert find_r1(r2, ["2025-10-14-235500-supply-round-1.txt"]) == "2025-10-14-235500-supply-round-1.txt"
        assert find_r1(r2, [Path("/srv/stats/2025-10-14-235500-supply-round-1.txt")]) == \
            "/srv/stats/2025-10-14-235500-supply-round-1.txt"
        # a big window still never reaches two days back
        assert find_r1(r2, ["2025-10-13-235500-supply-round-1.txt"], window_minutes=3000) is None

    def test_bad_r2_name(self):
        with pytest.raises(ParseError):
            find_r1("2025-10-14-212214-etl_adlernest-round-1.txt", [])
        with pytest.raises(ParseError):
            find_r1("garbage", [])

"""Endstats files (spec §3): the real pre-VS_HEADER file and one built from §3.2."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import formats_helpers as h

from slomix_stats.formats import AWARD_NAMES, ParseError, parse_endstats, richest_endstats

REAL = "2026-01-12-224606-te_escape2-round-2-endstats.txt"


def real():
    return parse_endstats((h.ENDSTATS_DIR / REAL).read_bytes(), REAL)


def test_the_51_award_names():
    assert len(AWARD_NAMES) == len(set(AWARD_NAMES)) == 51


def test_real_file_awards():
    e = real()
    assert (e.map_name, e.round_number, e.size) == ("te_escape2", 2, 962)
    assert len(e.awards) == 22  # 23 rows, one of them the j=44 duplicate
    assert [(a.name, a.player, a.value) for a in e.awards[:3]] == [
        ("Most damage given", "vid", 3214.0), ("Most damage received", "vid", 2717.0),
        ("Most team damage given", "bronze.", 54.0)]
    by_name = {a.name: a for a in e.awards}
    assert by_name["Most kills per minute"].value == 1.78
    assert (by_name["Best K/D ratio"].value_text, by_name["Best K/D ratio"].value) == ("1.625", 1.625)
    denied = by_name["Most playtime denied"]
    assert (denied.player, denied.value_text, denied.value, denied.unit) == ("v_kt_r", "113 seconds", 113.0, "seconds")
    acc = by_name["Highest light weapons accuracy"]
    assert (acc.player, acc.value, acc.unit) == ("SuperBoyy", 50.47, "percent")
    assert by_name["Most bullets fired"].value == 333.0
    assert all(a.known and a.label == a.name for a in e.awards)


def test_duplicated_killing_spree_label_bug():
    """endstats.lua's j=44 branch writes "Longest killing spree" a second time (spec §3.2):
    the real file has it on lines 13 and 18; the second is dropped and reported."""
    e = real()
    sprees = [a for a in e.awards if a.name == "Longest killing spree"]
    assert [(a.player, a.value) for a in sprees] == [("bronze.", 3.0)]
    assert e.corrections == ("line 18: 'Longest killing spree' from endstats.lua's j=44 label bug; dropped",)


def test_real_file_versus_rows_have_no_subject():
    e = real()
    assert len(e.versus) == 18
    first = e.versus[0]
    assert (first.subject_name, first.subject_guid, first.opponent_name, first.kills, first.deaths) == (
        None, None, "carniee", 4, 0)
    assert (e.versus[-1].opponent_name, e.versus[-1].kills, e.versus[-1].deaths) == (".olz", 2, 1)


GUID_A = "EDBB5DA9" + "0" * 24
GUID_B = "D8423F90" + "1" * 24
VS_FILE = "\n".join([
    "Most damage given\tvid\t3214",
    "Quickest multikill w/ light weapons\tvid\t3 kills in 2.41s",
    "Farthest riflenade kill\tcarniee\t41.23 m",
    "Longest killing spree\tbronze.\t5",
    "Longest death spree\tcarniee\t4",
    "Most objectives stolen\tvid\t2",
    "Tank/Meatshield (Refuses to die)\tvid\tDamage received vs death ratio: 4.12x",
    "Longest killing spree\tbronze.\t5",
    "Most objectives stolen\tv_kt_r\t6",
    "Full respawn king\tcarniee\t41.50 percent, 4.10 min",
    "Most playtime denied\tv_kt_r\t113 seconds",
    "Most kills per minute\tvid\tinf",
    f"VS_HEADER\tSuperBoyy\t{GUID_A}",
    "vid\t4\t2",
    "Most deaths\t1\t3",  # an opponent whose name is an award name: still a versus row here
    f"VS_HEADER\tvid\t{GUID_B.lower()}",
    "SuperBoyy\t2\t4",
    "",
])


def test_vs_header_format_built_from_the_spec():
    e = parse_endstats(VS_FILE.encode(), "2026-08-20-214000-supply-round-1-endstats.txt")
    names = [a.name for a in e.awards]
    assert names == ["Most damage given", "Quickest multikill w/ light weapons", "Farthest riflenade kill",
                     "Longest killing spree", "Longest death spree", "Most objectives stolen",
                     "Tank/Meatshield (Refuses to die)", "Most useless kills", "Full respawn king",
                     "Most playtime denied", "Most kills per minute"]
    quick, far, tank, useless, king, kpm = (e.awards[i] for i in (1, 2, 6, 7, 8, 10))
    assert (quick.value, quick.unit, quick.extra) == (3.0, "kills in s", 2.41)
    assert (far.value, far.unit) == (41.23, "m")
    assert (tank.value, tank.unit) == (4.12, "x")
    assert (useless.label, useless.player, useless.value) == ("Most objectives stolen", "v_kt_r", 6.0)
    assert e.awards[5].name == e.awards[5].label == "Most objectives stolen"  # the real one, j=36
    assert (king.value, king.unit, king.extra) == (41.5, "percent", 4.1)
    assert (kpm.value_text, kpm.value) == ("inf", None)
    assert len(e.corrections) == 2
    assert [(v.subject_name, v.subject_guid, v.opponent_name, v.kills, v.deaths) for v in e.versus] == [
        ("SuperBoyy", GUID_A, "vid", 4, 2), ("SuperBoyy", GUID_A, "Most deaths", 1, 3),
        ("vid", GUID_B, "SuperBoyy", 2, 4)]


def test_lone_spree_row_with_value_one_is_the_bug_row():
    """j=34 is only written when > 1, so a "Longest killing spree" of 0 or 1 is the j=44 row."""
    text = "Most damage given\tvid\t300\nLongest killing spree\tvid\t0\nMost objectives stolen\tx\t4\n"
    e = parse_endstats(text, "2026-08-20-214000-supply-round-1-endstats.txt")
    assert [a.name for a in e.awards] == ["Most damage given", "Most useless kills"]


def test_unknown_award_is_kept():
    e = parse_endstats("Most cheese eaten\tvid\t12 wheels\n", "2026-08-20-214000-supply-round-1-endstats.txt")
    (a,) = e.awards
    assert (a.name, a.known, a.value, a.unit) == ("Most cheese eaten", False, 12.0, None)


@pytest.mark.parametrize(("text", "line", "reason"), [
    ("Most damage given\tvid\n", 1, "expected 3"),
    ("a\t1\t2\nb\tx\ty\n", 2, "versus row"),
    ("VS_HEADER\tvid\tnot a guid\n", 1, "VS_HEADER GUID"),
    ("Most damage given\t" + "x" * 200 + "\t3\n", 1, "longer than"),
    ("\0", 1, "NUL"),
    ("", None, "empty file"),
])
def test_bad_endstats(text, line, reason):
    with pytest.raises(ParseError) as err:
        parse_endstats(text, "2026-08-20-214000-supply-round-1-endstats.txt")
    assert err.value.line == line and reason in err.value.reason


def test_endstats_needs_an_endstats_name():
    with pytest.raises(ParseError, match="stats file name, expected an endstats"):
        parse_endstats(VS_FILE, "2026-08-20-214000-supply-round-1.txt")


def test_richest_of_split_files():
    """A block that lands in a second file (the clock ticked): keep the richest (spec §3.1)."""
    whole = parse_endstats(VS_FILE, "2026-08-20-214000-supply-round-1-endstats.txt")
    awards_only = parse_endstats(VS_FILE.split("VS_HEADER")[0], "2026-08-20-214001-supply-round-1-endstats.txt")
    vs_only = parse_endstats("VS_HEADER" + VS_FILE.split("VS_HEADER", 1)[1],
                             "2026-08-20-214001-supply-round-1-endstats.txt")
    assert richest_endstats([awards_only, whole, vs_only]) is whole
    assert richest_endstats([vs_only, awards_only]) is awards_only
    assert richest_endstats([]) is None
    twin = parse_endstats(VS_FILE, "2026-08-20-214001-supply-round-1-endstats.txt")
    assert richest_endstats([whole, twin]) is richest_endstats([twin, whole]) is twin


def test_opponent_named_like_an_award_prefix_is_a_versus_row():
    text = "Most damage given\tvid\t300\nMost deaths of all\t3\t1\n"
    e = parse_endstats(text, "2026-08-20-214000-supply-round-1-endstats.txt")
    assert [a.name for a in e.awards] == ["Most damage given"]
    assert [(v.opponent_name, v.kills, v.deaths) for v in e.versus] == [("Most deaths of all", 3, 1)]

"""The highlight rules on hand-checked moments of the real demos (times are ms after the first
snapshot; every expected value below was read off the demo's kill list)."""

from __future__ import annotations

import pytest

from slomix_greatshot import tracks
from slomix_greatshot.api import Kill, parse
from slomix_greatshot.highlights import detect
from slomix_greatshot.highlights.rules import counts, lives, windows
from slomix_greatshot.settings import Thresholds


@pytest.fixture(scope="module")
def ettv(shared_data):
    return parse(shared_data / "demos" / "demo01_legacy.tv_84")


def found(demo, **thresholds):
    moments = detect(demo.kills, teams={p.client: p.team for p in demo.players},
                     spawns=tracks.spawns(demo.positions, demo.kills), thresholds=Thresholds(**thresholds))
    return [(m.kind, m.player, m.start_ms - demo.start_ms, m.end_ms - demo.start_ms, len(m.kills), m.headshots)
            for m in moments]


def test_the_default_rules_on_the_ettv_demo(ettv) -> None:
    """Bortack's two sten headshots 0.6 s apart, and five trades; no 3-kills-in-4-s, no 4-kill life,
    no kill past 2000 units in this demo."""
    assert sorted(found(ettv)) == [
        ("headshot_chain", "[BOT]Bortack", 100, 700, 2, 2),
        ("trade", "[BOT]Bortack", 100, 100, 1, 1),  # Halfbaked killed Kaolin in the same server frame
        ("trade", "[BOT]Newbie", 76500, 76500, 1, 1),  # xdd fell to Vokur at 75 700
        ("trade", "[BOT]Vokur", 33900, 33900, 1, 0),  # Kaolin fell to xdd at 33 000
        ("trade", "[BOT]Zarna", 102400, 102400, 1, 0),  # Kaolin fell to Cledus at 100 200
        ("trade", "xdd", 33900, 33900, 1, 0),  # Halfwit fell to Vokur in the frame xdd killed Vokur
    ]


def test_a_multi_kill_is_one_highlight_for_the_whole_burst(ettv) -> None:
    """xdd kills CraigChrist, Kaolin and Vokur at 28 950, 33 000 and 33 900 (4.95 s): a multi-kill
    with a 5 s window, none with 4 s."""
    multi = [m for m in found(ettv, multi_kill_window_ms=5000) if m[0] == "multi_kill"]
    assert multi == [("multi_kill", "xdd", 28950, 33900, 3, 1)]
    # Two kills of his are 0.9 s apart: a 2-kill rule still gives one highlight per burst, not one per pair.
    pairs = [m for m in found(ettv, multi_kill_min=2, multi_kill_window_ms=1000) if m[0] == "multi_kill"]
    assert ("multi_kill", "xdd", 33000, 33900, 2, 0) in pairs
    assert len({(p[1], p[2]) for p in pairs}) == len(pairs)


def test_overlapping_windows_collapse_into_the_maximal_one(ettv) -> None:
    """Halfbaked's 62 700, 63 850, 67 900 with 3 s/2 kills: windows (62 700-63 850) and none after;
    with 5.2 s all three are one run, reported once."""
    halfbaked = [k for k in ettv.kills if k.attacker == 5 and counts(k)]
    times = [k.time_ms - ettv.start_ms for k in halfbaked]
    assert times == [100, 11400, 12750, 62700, 63850, 67900, 134550]
    runs = windows(halfbaked, 5200, 2)
    assert [[k.time_ms - ettv.start_ms for k in run] for run in runs] == [[11400, 12750], [62700, 63850, 67900]]


def test_a_spree_ends_at_the_players_death(ettv) -> None:
    """Halfbaked's kills by life: he kills Kaolin in the frame Bortack kills him (100), dies again at
    24 950 and 119 200, so his one 3-kill life is 62 700-67 900."""
    ordered = sorted(ettv.kills, key=lambda k: k.time_ms)
    by_life = [[k.time_ms - ettv.start_ms for k in life] for life in lives(ordered)[5]]
    assert by_life == [[100], [11400, 12750], [62700, 63850, 67900], [134550]]
    sprees = [m for m in found(ettv, spree_min=3) if m[0] == "spree"]
    assert [m for m in sprees if m[1] == "[BOT]Halfbaked"] == [("spree", "[BOT]Halfbaked", 62700, 67900, 3, 0)]
    assert all(m[4] == 3 for m in sprees)


def test_team_kills_suicides_and_world_kills_never_count(ettv, shared_data) -> None:
    # xdd's two deaths by "none" at 13 800 and 19 150 are suicides; Razor's panzerfaust took himself along.
    suicides = [(k.time_ms - ettv.start_ms, k.attacker_name) for k in ettv.kills if k.attacker == k.victim]
    assert suicides == [(13800, "xdd"), (19150, "xdd"), (88800, "[BOT]Razor")]
    assert not any(counts(k) for k in ettv.kills if k.attacker == k.victim)
    # The ETPro demo opens with a team kill: Sheep's rifle grenade on his teammate ferus.
    etpro = parse(shared_data / "demos" / "etpro_capture_test.dm_84")
    first = etpro.kills[0]
    assert (first.attacker_name, first.victim_name, first.attacker_team, first.victim_team, first.weapon) == (
        "TLR.wzzrd Sheep", "TLR.wzzrd ferus", "allies", "allies", "grenade_launcher")
    assert not counts(first)
    assert all("TLR.wzzrd ferus" not in m.detail.get("victims", []) for m in detect(etpro.kills))


def test_a_long_shot_is_measured_from_the_positions(ettv) -> None:
    """Bortack's sten headshot on Halfbaked at 100 ms spans 1 131 units, Zarna's colt headshot on
    Halfbaked at 119 200 spans 1 080: the only kills past 1 000."""
    long = [(m[1], m[2]) for m in found(ettv, long_shot_units=1000) if m[0] == "long_shot"]
    assert sorted(long) == [("[BOT]Bortack", 100), ("[BOT]Zarna", 119200)]
    assert not [m for m in found(ettv) if m[0] == "long_shot"]


def test_headshot_chains_and_aim_moments_stay_in_one_life(ettv) -> None:
    """Cledus' headshot at 100 200 and his next two at 121 250 and 125 250 are two lives (Zarna burns
    him at 102 400): with a 4.1 s window the later two are a chain, or an aim moment when two suffice."""
    chains = [m for m in found(ettv, headshot_window_ms=25100) if m[1] == "[BOT]Cledus"]
    assert chains == [("headshot_chain", "[BOT]Cledus", 121250, 125250, 2, 2)]
    assert ("aim_moment", "[BOT]Cledus", 121250, 125250, 2, 2) in found(ettv, headshot_window_ms=4100,
                                                                         aim_moment_min=2)


def test_the_default_rules_on_the_client_demos(shared_data) -> None:
    """scores_test: Nohope's four kills in one life (a spree) whose last three fall in 3.5 s (a
    multi-kill); ETPro: the recorder EDiT-Kevin's four kills in one life."""
    scores = parse(shared_data / "demos" / "scores_test.dm_84")
    assert [m for m in found(scores) if m[0] in ("multi_kill", "spree")] == [
        ("multi_kill", "[BOT]Nohope", 13750, 17225, 3, 0), ("spree", "[BOT]Nohope", 6275, 17225, 4, 0)]
    etpro = parse(shared_data / "demos" / "etpro_capture_test.dm_84")
    assert found(etpro) == [("spree", "EDiT-Kevin", 3950, 11950, 4, 0)]


def test_a_clutch_is_the_last_man_winning_1vn() -> None:
    """No demo we have holds a clutch, so the rule meets a fight written out in the library's own
    records: Axis 1-3 die, Axis 4 is alone against Allies 5-7 and kills all three (a clutch); the
    same fight where an ally respawns midway is not one."""
    def kill(t, attacker, victim, team_a, team_v):
        return Kill(t, attacker, victim, f"p{attacker}", f"p{victim}", "mp40", "mp40", False, team_a, team_v)

    teams = {1: "axis", 2: "axis", 3: "axis", 4: "axis", 5: "allies", 6: "allies", 7: "allies"}
    fight = [kill(1000, 5, 1, "allies", "axis"), kill(2000, 6, 2, "allies", "axis"), kill(3000, 5, 3, "allies", "axis"),
             kill(4000, 4, 5, "axis", "allies"), kill(5000, 4, 6, "axis", "allies"), kill(6000, 4, 7, "axis", "allies")]
    spawns = {c: [0] for c in teams}
    [clutch] = [m for m in detect(fight, teams=teams, spawns=spawns) if m.kind == "clutch"]
    assert (clutch.player, clutch.start_ms, clutch.end_ms, len(clutch.kills), clutch.detail["versus"]) == (
        "p4", 4000, 6000, 3, 3)
    spawns[2] = [0, 4500]  # reinforcements: the fight is over before he wins it
    assert not [m for m in detect(fight, teams=teams, spawns=spawns) if m.kind == "clutch"]

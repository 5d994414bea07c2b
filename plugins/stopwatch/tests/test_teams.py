"""Persistent team detection: seeding, side swaps, growth, pins, names (spec §4.8)."""

from __future__ import annotations

import itertools

import pytest

from slomix.kernel import UsageError
from slomix_stopwatch import inputs
from slomix_stopwatch.teams import Lineup, Rosters, detect, draw_names, live_pins


def lineup(number: int, axis: str, allies: str) -> Lineup:
    return Lineup(number, {1: frozenset(axis.split()), 2: frozenset(allies.split())})


def test_seeded_from_the_first_r1_and_followed_across_side_swaps() -> None:
    rounds = [lineup(2, "x y", "z"),  # an R2 before any R1 does not seed
              lineup(1, "a b c", "d e f"), lineup(2, "d e f", "a b c"), lineup(1, "d e f", "a b c")]
    assert detect(rounds) == Rosters(frozenset("abc"), frozenset("def"))  # x, y, z never met them


def test_growth_from_3v3_to_6v6_whatever_the_side() -> None:
    rounds = [lineup(1, "a b c", "d e f"),
              lineup(2, "d e f g", "a b c h"),          # g joins d's side, h joins a's side
              lineup(1, "a b c h i j", "d e f g k l"),  # sides swapped back, 6v6
              lineup(2, "d e f g k l", "a b c h i j")]
    teams = detect(rounds)
    assert teams == Rosters(frozenset("abchij"), frozenset("defgkl"))
    # The arrival order of rounds does not matter once the seed is the same.
    for order in itertools.permutations(rounds[1:]):
        assert detect([rounds[0], *order]) == teams


def test_late_joiner_goes_with_the_team_he_played_with_most() -> None:
    # s played one round with team A's players, then three with team B's: he is B's.
    rounds = [lineup(1, "a b", "c d"), lineup(2, "c d", "a b s"), lineup(1, "a b", "c d s"),
              lineup(2, "c d s", "a b"), lineup(1, "a b", "c d s")]
    assert "s" in detect(rounds).b


def test_a_player_who_only_met_other_newcomers_is_placed_through_them() -> None:
    rounds = [lineup(1, "a b", "c d"), lineup(1, "a n1", "c d"), lineup(1, "n1 n2", "c d")]
    teams = detect(rounds)
    assert {"n1", "n2"} <= teams.a


def test_pins_win_over_detection() -> None:
    rounds = [lineup(1, "a b c", "d e f"), lineup(2, "d e f", "a b c")]
    assert detect(rounds, {"c": "B"}) == Rosters(frozenset("ab"), frozenset("cdef"))
    # Whole rosters pinned the other way round: the seed's labels do not fight them.
    pins = dict.fromkeys("abc", "B") | dict.fromkeys("def", "A")
    assert detect(rounds, pins) == Rosters(frozenset("def"), frozenset("abc"))
    # A pinned newcomer stays where pinned; his side mates still go by their majority.
    rounds.append(lineup(1, "a b c", "d e f n m"))
    teams = detect(rounds, {"n": "A"})
    assert "n" in teams.a and "m" in teams.b


def test_stale_pins_are_dropped() -> None:
    assert live_pins({"ghost": "A", "a": "B"}, ["a", "b"]) == {"a": "B"}
    assert live_pins({"ghost": "A"}, ["a", "b"]) == {}


def test_no_round_with_two_sides_gives_empty_teams() -> None:
    assert detect([lineup(1, "a b", "")]) == Rosters(frozenset(), frozenset())


def test_team_of_a_group_is_its_majority() -> None:
    teams = Rosters(frozenset("abc"), frozenset("def"))
    assert teams.team_of("abx") == "A" and teams.team_of("dex") == "B" and teams.team_of("ad") is None


def test_names_are_drawn_from_the_pool_the_same_way_every_time() -> None:
    pool = ["sWat", "S*F", "madDogz", "slomix", "puran", "insAne", "allbad"]
    first = draw_names(pool, "2025-10-14T21:22:14")
    assert first == draw_names(list(reversed(pool)), "2025-10-14T21:22:14")
    assert first[0] != first[1] and set(first) <= set(pool)
    assert len({draw_names(pool, f"seed{i}") for i in range(40)}) > 5
    assert set(draw_names(["solo"], "x")) <= {"solo", "Team A"}
    assert set(draw_names([], "x")) == {"Team A", "Team B"}


def test_inputs() -> None:
    assert inputs.team_spec("sWat") == ("sWat", [])
    assert inputs.team_spec("sWat: vid, olz ") == ("sWat", ["vid", "olz"])
    assert inputs.team_spec(": vid") == (None, ["vid"])
    assert inputs.colour("#FF8800") == 0xFF8800 and inputs.colour("00ff00") == 0x00FF00
    assert inputs.colour(None) is None
    players = {"AAAA1111": {"vid"}, "BBBB2222": {"vider"}, "CCCC3333": {".olz", "olz"}}
    assert inputs.match_player("VID", players) == "AAAA1111"      # exact beats partial
    assert inputs.match_player("bbbb2222", players) == "BBBB2222"  # by GUID
    assert inputs.match_player("olz", players) == "CCCC3333"
    for bad, message in [("vi", "could be any of"), ("nobody", "nobody called"), ("  ", "which player")]:
        with pytest.raises(UsageError, match=message):
            inputs.match_player(bad, players)
    for bad in ["", "x" * 33, "bad\x07name"]:
        with pytest.raises(UsageError, match="team name"):
            inputs.team_name(bad)
    with pytest.raises(UsageError, match="six hex digits"):
        inputs.colour("orange")
    with pytest.raises(UsageError, match="no players"):
        inputs.team_spec("sWat:")

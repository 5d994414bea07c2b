"""The BOX scale and how an attack is judged, on hand-made rounds (spec §4.7)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from slomix_stats.api import PlayerLine, RoundEvent, RoundMetaInfo
from slomix_stopwatch.scoring import Attack, judge_attack, map_points, score_maps
from slomix_stopwatch.teams import Rosters

T0 = datetime(2025, 10, 14, 21, 0)
AXIS, ALLIES = ["a1", "a2", "a3"], ["b1", "b2", "b3"]


def player(guid: str, side: int) -> PlayerLine:
    return PlayerLine(guid, guid, side, 0, 0, 0, 0, 300, 0.0)


def event(round_id: int, number: int, *, minute: int = 0, match: str = "m1", map_name: str = "supply",
          defender: int = 1, winner: int = 2, seconds: int = 300, limit: int | None = 600,
          source: str = "header", outcome: str | None = None, end_reason: str | None = None,
          surrender: int | None = None, status: str = "completed", valid: bool = True,
          swap: bool = False) -> RoundEvent:
    if outcome is None:
        outcome = "fullhold" if winner == defender else "completed"
    # Stopwatch swaps sides between R1 and R2: the axis players of R1 are allies in R2.
    first, second = (ALLIES, AXIS) if (number == 2) != swap else (AXIS, ALLIES)
    return RoundEvent(
        round_id=round_id, change="stored", match_id=match, map_name=map_name, round_number=number,
        round_time=T0 + timedelta(minutes=minute), session_start=T0, status=status, is_valid=valid,
        defender_team=defender, winner_team=winner, outcome=outcome, time_limit_seconds=limit,
        next_time_limit_seconds=None, duration_seconds=seconds, duration_source=source, end_reason=end_reason,
        surrender_team=surrender, players=[player(g, 1) for g in first] + [player(g, 2) for g in second])


def meta(round_id: int, **values) -> RoundMetaInfo:
    base = dict(time_limit_seconds=None, actual_duration_seconds=None, pause_seconds=None, end_reason=None,
                surrender_team=None, winner_team=None, defender_team=None, round_start_unix=None,
                round_end_unix=None)
    return RoundMetaInfo(round_id=round_id, **{**base, **values})


@pytest.mark.parametrize(("first", "second", "expected"), [
    (Attack(True, 300, "header"), Attack(True, 200, "header"), (0, 2)),   # R2 faster
    (Attack(True, 200, "header"), Attack(True, 300, "header"), (2, 0)),   # R1 faster
    (Attack(True, 250, "header"), Attack(True, 250, "header"), (2, 0)),   # tie goes to the R1 attackers
    (Attack(True, 500, "header"), Attack(False, 500, "header"), (2, 0)),  # only R1 completed
    (Attack(False, 600, "header"), Attack(True, 590, "header"), (0, 2)),  # only R2 completed
    (Attack(False, 600, "header"), Attack(False, 600, "header"), (1, 1)),  # double fullhold
])
def test_box_scale(first, second, expected) -> None:
    assert map_points(first, second)[:2] == expected


def test_tie_is_explained() -> None:
    assert "tie goes to R1" in map_points(Attack(True, 250, "x"), Attack(True, 250, "x"))[2]


def test_header_winner_against_defender() -> None:
    assert judge_attack(event(1, 1, defender=1, winner=2), None, 1) == Attack(True, 300, "header")
    assert judge_attack(event(1, 1, defender=1, winner=1, seconds=600), None, 1) == Attack(False, 600, "header")


def test_surrender_means_the_attackers_failed_whatever_the_header_says() -> None:
    r1 = event(1, 1, defender=1, winner=2, end_reason="surrender", surrender=2)
    assert judge_attack(r1, None, 1) == Attack(False, 300, "surrender")
    # the webhook's end reason without a team still means the attackers gave up
    assert judge_attack(event(1, 1, end_reason="surrender"), None, 1).success is False
    # the defenders gave up: the attack succeeded
    assert judge_attack(event(1, 1, defender=1, winner=1, end_reason="surrender", surrender=1), None, 1).success


def test_unknown_header_falls_back_to_webhook_then_measured_then_header_time() -> None:
    unknown = dict(winner=0, outcome="unknown")
    assert judge_attack(event(1, 1, **unknown), meta(1, winner_team=1, defender_team=1), 1) == \
        Attack(False, 300, "webhook")
    # measured under the Lua's time limit (which wins over the header's)
    assert judge_attack(event(1, 1, **unknown, source="measured", seconds=500, limit=400),
                        meta(1, time_limit_seconds=600), 1) == Attack(True, 500, "measured")
    # measured with no known limit: any positive duration is a success
    assert judge_attack(event(1, 1, **unknown, source="measured", limit=None), None, 1).success
    # header time only: under the limit succeeds, at the limit held
    assert judge_attack(event(1, 1, **unknown, seconds=599), None, 1) == Attack(True, 599, "time")
    assert judge_attack(event(1, 1, **unknown, seconds=600), None, 1) == Attack(False, 600, "time")
    assert judge_attack(event(1, 1, **unknown, seconds=0, limit=None), None, 1) == Attack(False, 0, "none")


def test_points_follow_the_teams_not_the_sides() -> None:
    rosters = Rosters(frozenset(AXIS), frozenset(ALLIES))
    # Defender Axis (1): R1 attackers are the Allies = team B; in R2 team A attacks.
    r1, r2 = event(1, 1, seconds=400), event(2, 2, minute=10, seconds=300)
    [result] = score_maps([r2, r1], {}, rosters)
    assert (result.team1, result.points_a, result.points_b, result.finished) == ("B", 2, 0, True)
    # The same map with team A attacking first (sides as the previous map ended).
    r1, r2 = event(1, 1, seconds=400, swap=True), event(2, 2, minute=10, seconds=300, swap=True)
    [result] = score_maps([r1, r2], {}, rosters)
    assert (result.team1, result.points_a, result.points_b) == ("A", 0, 2)


def test_maps_pair_by_match_id_and_skip_what_does_not_count() -> None:
    rosters = Rosters(frozenset(AXIS), frozenset(ALLIES))
    rounds = [
        event(1, 1, match="m1"), event(2, 2, minute=8, match="m1", winner=1),
        event(3, 2, minute=12, match="m3"),  # orphan-like R2 with no R1: ignored
        event(4, 1, minute=20, match="m4", status="cancelled", valid=False),  # restarted
        event(5, 1, minute=30, match="m5"), event(6, 2, minute=38, match="m5", winner=1),  # same map again
        event(7, 1, minute=50, match="m7", map_name="etl_ice"),  # R2 not played yet
        event(8, 1, minute=60, match="m8", map_name="etl_ice", valid=False),  # bots played
    ]
    results = score_maps(rounds, {}, rosters)
    assert [(m.seq, m.match_id, m.finished, m.points_a, m.points_b) for m in results] == [
        (1, "m1", True, 0, 2), (2, "m5", True, 0, 2), (3, "m7", False, 0, 0)]
    assert results[2].description == "R1 completed in 5:00, R2 not played"


def test_defender_from_a_trusted_header_or_the_webhook() -> None:
    rosters = Rosters(frozenset(AXIS), frozenset(ALLIES))
    # R1's header defender is a default (outcome unknown); R2's header says the Allies defend,
    # so the R1 attackers are the Axis players: team A (the default Axis defender would say B).
    r1 = event(1, 1, defender=1, winner=0, outcome="unknown", seconds=300)
    r2 = event(2, 2, minute=9, defender=2, winner=2, seconds=300)
    [result] = score_maps([r1, r2], {}, rosters)
    assert (result.team1, result.r1_basis, result.r2_basis) == ("A", "time", "header")
    # Neither header is trusted: the webhook's defender decides.
    r2 = event(2, 2, minute=9, defender=1, winner=0, outcome="unknown", seconds=300)
    [result] = score_maps([r1, r2], {1: meta(1, defender_team=2)}, rosters)
    assert result.team1 == "A"
    [result] = score_maps([r1, r2], {}, rosters)
    assert result.team1 == "B"

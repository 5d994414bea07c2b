"""Map-based stopwatch scoring, the BOX scale (spec §4.7): pure functions of the rounds.

Per map: both attacks succeed → the faster team 2-0 (a tie goes to the R1 attackers); one
succeeds → that team 2-0; neither → 1-1.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from slomix_stats import api
from slomix_stats.api import RoundEvent, RoundMetaInfo

from .models import MapResult
from .teams import Lineup, Rosters, other


@dataclass(frozen=True, slots=True)
class Attack:
    success: bool
    seconds: int
    basis: str


clock = api.duration  # one format for times, everywhere


def _known(side: int | None) -> bool:
    return side in (1, 2)


def defender_side(rounds: Sequence[RoundEvent], meta: Mapping[int, RoundMetaInfo]) -> int:
    """The side defending the map: a header we trust, else the webhook, else the header's default."""
    for event in rounds:
        if event.outcome != "unknown" and _known(event.defender_team):
            return event.defender_team
    for event in rounds:
        info = meta.get(event.round_id)
        if info is not None and _known(info.defender_team):
            return info.defender_team
    return rounds[0].defender_team if _known(rounds[0].defender_team) else 1


def judge_attack(event: RoundEvent, info: RoundMetaInfo | None, defender: int) -> Attack:
    """Did the attackers of this round succeed, and in how long?"""
    seconds = event.duration_seconds
    surrender_team = event.surrender_team or (info.surrender_team if info else None)
    if _known(surrender_team) or event.end_reason == "surrender":
        # A surrender means the attackers failed, unless it was the defenders who gave up.
        return Attack(surrender_team == defender, seconds, "surrender")
    if event.outcome in ("completed", "fullhold"):
        return Attack(event.outcome == "completed", seconds, "header")
    if info is not None and _known(info.winner_team) and _known(info.defender_team):
        return Attack(info.winner_team != info.defender_team, seconds, "webhook")
    limit = (info.time_limit_seconds if info else None) or event.time_limit_seconds
    if event.duration_source == "measured" and seconds > 0:
        return Attack(not limit or seconds < limit, seconds, "measured")
    if seconds > 0 and limit:
        return Attack(seconds < limit, seconds, "time")
    return Attack(False, seconds, "none")


def map_points(first: Attack, second: Attack) -> tuple[int, int, str]:
    """(R1 attackers' points, R2 attackers' points, why)."""
    if first.success and second.success:
        if second.seconds < first.seconds:
            return 0, 2, f"both completed, R2 faster ({clock(second.seconds)} vs {clock(first.seconds)})"
        tie = " (tie goes to R1)" if second.seconds == first.seconds else ""
        return 2, 0, f"both completed, R1 faster ({clock(first.seconds)} vs {clock(second.seconds)}){tie}"
    if first.success:
        return 2, 0, f"R1 completed in {clock(first.seconds)}, R2 held"
    if second.success:
        return 0, 2, f"R1 held, R2 completed in {clock(second.seconds)}"
    return 1, 1, "double fullhold"


def _playable(event: RoundEvent) -> bool:
    return event.status == "completed" and event.is_valid and event.round_number in (1, 2)


def score_maps(rounds: Sequence[RoundEvent], meta: Mapping[int, RoundMetaInfo], rosters: Rosters
               ) -> list[MapResult]:
    """Every map of a session in play order: each R1 with the R2 of its match id (orphan R2s,
    restarts and invalid rounds never count; the same map played twice counts twice)."""
    matches: dict[tuple[str, str], dict[int, RoundEvent]] = {}
    for event in sorted(rounds, key=lambda e: (e.round_time, e.round_id)):
        if _playable(event):
            matches.setdefault((event.match_id, event.map_name), {})[event.round_number] = event
    results = []
    for pair in (m for m in matches.values() if 1 in m):
        results.append(_score(len(results) + 1, pair[1], pair.get(2), meta, rosters))
    return results


def _score(seq: int, r1: RoundEvent, r2: RoundEvent | None, meta: Mapping[int, RoundMetaInfo],
           rosters: Rosters) -> MapResult:
    defender = defender_side([r for r in (r1, r2) if r is not None], meta)
    attackers = 3 - defender
    team1 = rosters.team_of(Lineup.of(r1).sides[attackers])
    if team1 is None and r2 is not None:
        team2 = rosters.team_of(Lineup.of(r2).sides[attackers])
        team1 = other(team2) if team2 else None
    first = judge_attack(r1, meta.get(r1.round_id), defender)
    common = {"seq": seq, "match_id": r1.match_id, "map_name": r1.map_name, "played_at": r1.round_time,
              "r1_round_id": r1.round_id, "team1": team1, "r1_success": first.success,
              "r1_seconds": first.seconds, "r1_basis": first.basis}
    if r2 is None:
        how = f"R1 completed in {clock(first.seconds)}" if first.success else "R1 held"
        return MapResult(**common, finished=False, r2_round_id=None, r2_success=None, r2_seconds=None,
                         r2_basis=None, points_a=0, points_b=0, description=f"{how}, R2 not played")
    second = judge_attack(r2, meta.get(r2.round_id), defender)
    p1, p2, why = map_points(first, second)
    if team1 is None:
        p1 = p2 = 0
        why += "; teams unknown, not counted"
    points = {team1: p1, other(team1): p2} if team1 else {"A": 0, "B": 0}
    return MapResult(**common, finished=True, r2_round_id=r2.round_id, r2_success=second.success,
                     r2_seconds=second.seconds, r2_basis=second.basis, points_a=points["A"],
                     points_b=points["B"], description=why)

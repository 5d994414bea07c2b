"""Who is alive when: lives from spawns and revives to deaths and departures."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from ..telemetry import TEAM_ALLIES, TEAM_AXIS, RoundTelemetry


@dataclass(frozen=True, slots=True)
class Life:
    guid: str
    team: int
    start: int
    end: int


def lives(round_: RoundTelemetry) -> list[Life]:
    """Every life of the round: from a spawn or revive to the death, the departure or the round end."""
    events: list[tuple[int, int, str, int]] = []  # (t, order, guid, team); deaths before births at one time
    for spawn in round_.spawns:
        events.append((spawn.t, 1, spawn.guid, spawn.team))
    for revive in round_.revives:
        events.append((revive.t, 1, revive.guid, revive.team))
    for kill in round_.kills:
        events.append((kill.t, 0, kill.victim, kill.victim_team))
    for departure in round_.departures:
        events.append((departure.t, 0, departure.guid, departure.team))
    events.sort(key=lambda e: (e[0], e[1]))
    alive: dict[tuple[str, int], int] = {}
    found: list[Life] = []
    for t, birth, guid, team in events:
        key = (guid, team)
        if birth:
            alive.setdefault(key, t)  # a second spawn line for a living player changes nothing
        elif key in alive:
            found.append(Life(guid, team, alive.pop(key), t))
    found.extend(Life(guid, team, start, max(start, round_.duration_ms)) for (guid, team), start in alive.items())
    return sorted(found, key=lambda life: (life.start, life.guid))


class AliveCounts:
    """How many of each team are alive at a moment (``before(t)``: just before anything at ``t``)."""

    def __init__(self, found: list[Life]) -> None:
        self._starts = {team: np.sort([life.start for life in found if life.team == team]) for team in
                        (TEAM_AXIS, TEAM_ALLIES)}
        self._ends = {team: np.sort([life.end for life in found if life.team == team]) for team in
                      (TEAM_AXIS, TEAM_ALLIES)}

    def before(self, t: int) -> dict[int, int]:
        return {team: int(np.searchsorted(self._starts[team], t, side="left")
                          - np.searchsorted(self._ends[team], t, side="left")) for team in (TEAM_AXIS, TEAM_ALLIES)}

    def advantage_ms(self, duration_ms: int) -> dict[str, int]:
        """Time with more Axis alive, more Allies alive, and even numbers."""
        moments = sorted({0, duration_ms, *(int(v) for team in self._starts.values() for v in team),
                          *(int(v) for team in self._ends.values() for v in team)})
        spans = {"axis": 0, "allies": 0, "even": 0}
        for start, stop in pairwise(moments):
            if stop <= 0 or start >= duration_ms:
                continue
            count = self.before(stop)  # constant on [start, stop)
            key = "axis" if count[TEAM_AXIS] > count[TEAM_ALLIES] else (
                "allies" if count[TEAM_ALLIES] > count[TEAM_AXIS] else "even")
            spans[key] += min(stop, duration_ms) - max(start, 0)
        return spans

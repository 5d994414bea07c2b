"""Crossfire: two teammates hitting the same enemy from clearly different directions at once."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import msgspec

from ..telemetry import Damage, Kill, RoundTelemetry

WINDOW_MS = 1500
MIN_ANGLE = 45.0

DEFINITION = (
    f"Crossfire: two teammates hit the same enemy within {WINDOW_MS / 1000:g} s of each other from directions at "
    f"least {MIN_ANGLE:g}° apart, as seen from the enemy (on the map plane, from where each stood at their hit). "
    "Hits of the same pair on the same enemy that keep coming within the window are one crossfire; it is "
    "converted when one of the two kills that enemy.")


class Crossfire(msgspec.Struct, frozen=True, kw_only=True):
    """``a`` < ``b`` (GUIDs, of ``team``) caught ``target`` between them; ``angle``: the widest seen (degrees)."""

    start_ms: int
    end_ms: int
    target: str
    team: int
    a: str
    b: str
    angle: float
    hits: int
    damage: int
    killer: str | None


@dataclass(slots=True)
class _Open:
    start: int
    end: int
    angle: float
    team: int
    hits: set[int] = field(default_factory=set)


def _bearing(hit: Damage) -> float | None:
    """Direction from the target to the attacker on the map plane (degrees), None if on top of it."""
    assert hit.attacker_at is not None
    dx, dy = hit.attacker_at.x - hit.target_at.x, hit.attacker_at.y - hit.target_at.y
    if dx == 0 and dy == 0:
        return None
    return math.degrees(math.atan2(dy, dx))


def _between(first: float, second: float) -> float:
    gap = abs(first - second) % 360.0
    return 360.0 - gap if gap > 180.0 else gap


def crossfires(round_: RoundTelemetry) -> list[Crossfire]:
    hits_on: dict[str, list[tuple[Damage, float]]] = {}
    for hit in sorted(round_.damage, key=lambda d: d.t):
        if (hit.attacker is None or hit.attacker_at is None or hit.attacker == hit.target
                or hit.attacker_team == hit.target_team):
            continue
        bearing = _bearing(hit)
        if bearing is not None:
            hits_on.setdefault(hit.target, []).append((hit, bearing))
    found: list[Crossfire] = []
    for target, hits in hits_on.items():
        runs: dict[tuple[str, str], _Open] = {}
        closed: list[tuple[tuple[str, str], _Open]] = []
        for index, (hit, bearing) in enumerate(hits):
            for earlier in range(index - 1, -1, -1):
                other, other_bearing = hits[earlier]
                if hit.t - other.t > WINDOW_MS:
                    break
                if other.attacker == hit.attacker or other.attacker_team != hit.attacker_team:
                    continue
                angle = _between(bearing, other_bearing)
                if angle < MIN_ANGLE:
                    continue
                assert hit.attacker is not None and other.attacker is not None
                pair = (min(hit.attacker, other.attacker), max(hit.attacker, other.attacker))
                run = runs.get(pair)
                if run is None or other.t - run.end > WINDOW_MS:
                    if run is not None:
                        closed.append((pair, run))
                    run = runs[pair] = _Open(other.t, hit.t, angle, hit.attacker_team or 0)
                run.end, run.angle = max(run.end, hit.t), max(run.angle, angle)
                run.hits.update((index, earlier))
        closed.extend(runs.items())
        deaths = [k for k in round_.kills if k.victim == target and k.kind == "enemy"]
        for (a, b), run in closed:
            found.append(Crossfire(
                start_ms=run.start, end_ms=run.end, target=target, team=run.team, a=a, b=b, angle=round(run.angle, 1),
                hits=len(run.hits), damage=sum(hits[i][0].damage for i in run.hits),
                killer=_converted(deaths, a, b, run)))
    return sorted(found, key=lambda c: (c.start_ms, c.target, c.a, c.b))


def _converted(deaths: list[Kill], a: str, b: str, run: _Open) -> str | None:
    for death in deaths:
        if death.killer in (a, b) and run.start <= death.t <= run.end + WINDOW_MS:
            return death.killer
    return None

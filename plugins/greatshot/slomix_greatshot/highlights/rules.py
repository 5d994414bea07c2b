"""What makes a moment a highlight, over the kills of one demo (``slomix_greatshot.demo.Kill``).

Unlike the predecessor's detectors: team kills, suicides and world kills never count; a
player's sequence ends at his death; overlapping windows of one player and kind collapse into
the one maximal window with one score, so a 6-kill burst is one highlight, not three.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..settings import Thresholds

KINDS = ("multi_kill", "spree", "headshot_chain", "aim_moment", "trade", "long_shot", "clutch")
MAX_CLIENT = 64  # attackers outside 0..63 are the world (falling, drowning, a door)
# How many points each kind gives per kill; multi-kills and aim moments are the rarest.
_SCORE = {"multi_kill": 10, "spree": 7, "headshot_chain": 6, "aim_moment": 9, "trade": 5, "long_shot": 8,
          "clutch": 12}


@dataclass(frozen=True, slots=True)
class Moment:
    """One highlight: ``client`` did it, between the first and last kill's times."""

    kind: str
    client: int
    player: str
    start_ms: int
    end_ms: int
    score: float
    kills: tuple[Any, ...]
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def headshots(self) -> int:
        return sum(1 for k in self.kills if k.headshot)


def counts(kill: Any) -> bool:
    """A kill of an enemy by a player: no world kill, suicide or team kill."""
    return (0 <= kill.attacker < MAX_CLIENT and kill.attacker != kill.victim
            and kill.attacker_team != kill.victim_team)


def distance(kill: Any) -> float | None:
    """Game units between killer and victim at the kill, when the demo saw both."""
    a, b = kill.attacker_pos, kill.victim_pos
    if a is None or b is None:
        return None
    return math.dist(_xyz(a), _xyz(b))


def _xyz(pos: Any) -> tuple[float, float, float]:
    return (pos.x, pos.y, pos.z) if hasattr(pos, "x") else (pos[0], pos[1], pos[2])


def lives(kills: Sequence[Any]) -> dict[int, list[list[Any]]]:
    """Per player, the counted kills of each life (a death of any kind ends a life)."""
    current: dict[int, list[Any]] = {}
    done: dict[int, list[list[Any]]] = {}
    for kill in kills:
        if counts(kill):
            current.setdefault(kill.attacker, []).append(kill)
        if 0 <= kill.victim < MAX_CLIENT and current.get(kill.victim):
            done.setdefault(kill.victim, []).append(current.pop(kill.victim))
    for client, life in current.items():
        done.setdefault(client, []).append(life)
    return done


def windows(kills: Sequence[Any], span_ms: int, least: int) -> list[list[Any]]:
    """The union of all overlapping windows of at least ``least`` kills within ``span_ms``:
    each maximal run reported once (kills at 0, 2, 4, 6 s with 4 s/3 are one run of four)."""
    runs: list[list[int]] = []
    j = 0
    for i in range(len(kills)):
        j = max(j, i)
        while j + 1 < len(kills) and kills[j + 1].time_ms - kills[i].time_ms <= span_ms:
            j += 1
        if j - i + 1 < least:
            continue
        if runs and runs[-1][1] >= i:
            runs[-1][1] = max(runs[-1][1], j)
        else:
            runs.append([i, j])
    return [list(kills[a:b + 1]) for a, b in runs]


def _moment(kind: str, kills: Sequence[Any], score: float | None = None, **detail: Any) -> Moment:
    first = kills[0]
    heads = sum(1 for k in kills if k.headshot)
    points = _SCORE[kind] * len(kills) + 2 * heads if score is None else score
    about = {"victims": [k.victim_name for k in kills], "weapons": sorted({k.weapon for k in kills}), **detail}
    return Moment(kind, first.attacker, first.attacker_name, kills[0].time_ms, kills[-1].time_ms, float(points),
                  tuple(kills), about)


def multi_kills(life: Sequence[Any], t: Thresholds) -> Iterable[Moment]:
    for run in windows(life, t.multi_kill_window_ms, t.multi_kill_min):
        yield _moment("multi_kill", run, span_ms=run[-1].time_ms - run[0].time_ms)


def sprees(life: Sequence[Any], t: Thresholds) -> Iterable[Moment]:
    if len(life) >= t.spree_min:
        yield _moment("spree", life)


def headshot_moments(life: Sequence[Any], t: Thresholds) -> Iterable[Moment]:
    heads = [k for k in life if k.headshot]
    for run in windows(heads, t.headshot_window_ms, t.headshot_chain_min):
        kind = "aim_moment" if len(run) >= t.aim_moment_min else "headshot_chain"
        yield _moment(kind, run, span_ms=run[-1].time_ms - run[0].time_ms)


def trades(kills: Sequence[Any], t: Thresholds) -> Iterable[Moment]:
    """A teammate's death avenged: the killer of a player dies to the victim's teammate within the
    window (in the same server frame too: the order of simultaneous obituaries does not matter)."""
    fair = [k for k in kills if counts(k)]
    for death in fair:
        revenge = next((k for k in fair if k is not death and 0 <= k.time_ms - death.time_ms <= t.trade_window_ms
                        and k.victim == death.attacker and k.attacker != death.victim
                        and k.attacker_team == death.victim_team), None)
        if revenge is not None:
            yield _moment("trade", [revenge], avenged=death.victim_name, gap_ms=revenge.time_ms - death.time_ms)


def long_shots(kills: Sequence[Any], t: Thresholds) -> Iterable[Moment]:
    for kill in kills:
        if counts(kill) and (far := distance(kill)) is not None and far > t.long_shot_units:
            yield _moment("long_shot", [kill], score=_SCORE["long_shot"] + far / 500, distance=round(far))


def clutches(kills: Sequence[Any], teams: dict[int, str], spawns: dict[int, list[int]],
             t: Thresholds) -> Iterable[Moment]:
    """The last player alive on his side wins the fight 1vN.

    ``spawns`` holds when each client (re)entered play. When a death leaves a side with one
    player alive against N >= ``clutch_min`` enemies, the fight runs until someone of either
    side spawns; the last man wins it when he kills every one of those N and survives."""
    def alive(client: int, at: int, before: int) -> bool:
        entered = max((s for s in spawns.get(client, ()) if s <= at), default=None)
        if entered is None:
            return False
        return not any(entered <= k.time_ms <= at and k.victim == client for k in kills[:before + 1])

    for i, kill in enumerate(kills):
        side = teams.get(kill.victim)
        if side not in ("axis", "allies"):
            continue
        left = [c for c, team in teams.items() if team == side and alive(c, kill.time_ms, i)]
        enemies = {c for c, team in teams.items() if team not in (side, "spectator", "spectators")
                   and alive(c, kill.time_ms, i)}
        if len(left) != 1 or len(enemies) < t.clutch_min:
            continue
        hero, won, respawn = left[0], [], None
        for later in kills[i + 1:]:
            respawn = min((s for c in teams for s in spawns.get(c, ()) if kill.time_ms < s <= later.time_ms),
                          default=None)
            if respawn is not None or later.victim == hero:
                break
            if later.attacker == hero and counts(later) and later.victim in enemies:
                won.append(later)
                enemies.discard(later.victim)
                if not enemies:
                    yield _moment("clutch", won, versus=len(won))
                    break


def detect(kills: Sequence[Any], *, teams: dict[int, str] | None = None,
           spawns: dict[int, list[int]] | None = None, thresholds: Thresholds | None = None) -> list[Moment]:
    """Every highlight of a demo, best first. The clutch rule needs ``teams`` (client to team)
    and ``spawns`` (client to the times he entered play); without them it finds nothing."""
    t = thresholds or Thresholds()
    ordered = sorted(kills, key=lambda k: k.time_ms)
    found: list[Moment] = []
    for player_lives in lives(ordered).values():
        for life in player_lives:
            found += multi_kills(life, t)
            found += sprees(life, t)
            found += headshot_moments(life, t)
    found += trades(ordered, t)
    found += long_shots(ordered, t)
    if teams and spawns:
        found += clutches(ordered, teams, spawns, t)
    return sorted(found, key=lambda m: (-m.score, m.start_ms, m.kind, m.client))

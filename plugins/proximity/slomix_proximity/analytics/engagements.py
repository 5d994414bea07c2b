"""Engagements: who fought whom, where, at what distance, and how it ended."""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from ..telemetry import Damage, Kill, Position, RoundTelemetry

GAP_MS = 3000

DEFINITION = (
    "An engagement is a fight between two enemy players: it starts with the first hit one lands on the "
    f"other and goes on while they keep hitting each other (in either direction) at most {GAP_MS // 1000} s "
    "apart. It ends when one kills the other (won / lost), when one of them dies to someone else (third "
    "party), or when the hits stop (broken off). A kill with no hit recorded before it is a fight of its own. "
    "Distance is between the two players, in metres, at the first and the last exchange.")


class Engagement(msgspec.Struct, frozen=True, kw_only=True):
    """``a`` opened the fight (landed the first hit); ``outcome`` is ``a_won``, ``b_won``,
    ``third_party`` or ``broken``."""

    start_ms: int
    end_ms: int
    a: str
    b: str
    a_team: int
    b_team: int
    a_damage: int
    b_damage: int
    a_hits: int
    b_hits: int
    a_at: Position
    b_at: Position
    start_distance: int
    end_distance: int
    outcome: str
    winner: str | None


@dataclass(slots=True)
class _Fight:
    start: int
    last: int
    a: str
    b: str
    a_team: int
    b_team: int
    a_at: Position
    b_at: Position
    start_distance: int
    end_distance: int
    damage: dict[str, int]
    hits: dict[str, int]

    def close(self, outcome: str, winner: str | None = None) -> Engagement:
        return Engagement(start_ms=self.start, end_ms=self.last, a=self.a, b=self.b, a_team=self.a_team,
                          b_team=self.b_team, a_damage=self.damage[self.a], b_damage=self.damage[self.b],
                          a_hits=self.hits[self.a], b_hits=self.hits[self.b], a_at=self.a_at, b_at=self.b_at,
                          start_distance=self.start_distance, end_distance=self.end_distance, outcome=outcome,
                          winner=winner)


def _is_duel(event: Damage | Kill) -> bool:
    if isinstance(event, Damage):
        return (event.attacker is not None and event.attacker_at is not None and event.attacker != event.target
                and event.attacker_team != event.target_team)
    return event.kind == "enemy" and event.killer_at is not None


def engagements(round_: RoundTelemetry) -> list[Engagement]:
    """Every engagement of the round, in the order they started."""
    events: list[Damage | Kill] = sorted([*round_.damage, *round_.kills],
                                         key=lambda e: (e.t, isinstance(e, Kill)))  # the killing hit first
    open_: dict[frozenset[str], _Fight] = {}
    done: list[Engagement] = []
    for event in events:
        if isinstance(event, Kill):
            settled = False  # the kill ends a fight between killer and victim
            for key in [k for k in open_ if event.victim in k]:
                fight = open_.pop(key)
                if event.t - fight.last > GAP_MS:
                    done.append(fight.close("broken"))
                elif event.killer in key and _is_duel(event):
                    fight.last = event.t
                    done.append(fight.close("a_won" if event.killer == fight.a else "b_won", event.killer))
                    settled = True
                else:
                    done.append(fight.close("third_party"))
            if not settled and _is_duel(event):
                assert event.killer is not None and event.killer_at is not None and event.killer_team is not None
                distance = round(event.victim_at.distance(event.killer_at))
                done.append(Engagement(
                    start_ms=event.t, end_ms=event.t, a=event.killer, b=event.victim, a_team=event.killer_team,
                    b_team=event.victim_team, a_damage=0, b_damage=0, a_hits=0, b_hits=0, a_at=event.killer_at,
                    b_at=event.victim_at, start_distance=distance, end_distance=distance, outcome="a_won",
                    winner=event.killer))
            continue
        if not _is_duel(event):
            continue
        assert event.attacker is not None and event.attacker_at is not None and event.attacker_team is not None
        key = frozenset((event.attacker, event.target))
        distance = round(event.attacker_at.distance(event.target_at))
        fight = open_.get(key)
        if fight is not None and event.t - fight.last > GAP_MS:
            done.append(open_.pop(key).close("broken"))
            fight = None
        if fight is None:
            fight = open_[key] = _Fight(event.t, event.t, event.attacker, event.target, event.attacker_team,
                                        event.target_team, event.attacker_at, event.target_at, distance, distance,
                                        {event.attacker: 0, event.target: 0}, {event.attacker: 0, event.target: 0})
        fight.last, fight.end_distance = event.t, distance
        fight.damage[event.attacker] += event.damage
        fight.hits[event.attacker] += 1
    done.extend(fight.close("broken") for fight in open_.values())
    return sorted(done, key=lambda e: (e.start_ms, e.a, e.b))

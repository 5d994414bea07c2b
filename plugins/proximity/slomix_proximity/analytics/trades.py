"""Trade kills: a teammate's death avenged within a few seconds."""

from __future__ import annotations

import msgspec

from ..telemetry import Kill, RoundTelemetry

WINDOW_MS = 3000

DEFINITION = (
    f"A trade: an enemy kills your teammate and you kill that enemy within {WINDOW_MS // 1000} s. The trader "
    "gets a trade kill, the fallen teammate's death counts as traded. Deaths that nobody traded show how often a "
    "player dies alone.")


class Trade(msgspec.Struct, frozen=True, kw_only=True):
    """``killer`` killed ``victim`` at ``death_ms``; ``trader``, of the victim's ``team``, killed ``killer``
    at ``trade_ms``."""

    death_ms: int
    trade_ms: int
    victim: str
    killer: str
    trader: str
    team: int


def trades(round_: RoundTelemetry) -> list[Trade]:
    """Each enemy kill that a teammate of its victim answered in time (the first answer)."""
    kills: list[Kill] = sorted((k for k in round_.kills if k.kind == "enemy"), key=lambda k: k.t)
    found = []
    for index, death in enumerate(kills):
        for answer in kills[index + 1:]:
            if answer.t - death.t > WINDOW_MS:
                break
            if (answer.victim == death.killer and answer.killer != death.victim
                    and answer.killer_team == death.victim_team):
                assert death.killer is not None and answer.killer is not None
                found.append(Trade(death_ms=death.t, trade_ms=answer.t, victim=death.victim, killer=death.killer,
                                   trader=answer.killer, team=death.victim_team))
                break
    return found

"""Spawn timing: how long each kill keeps its victim out, against the victim team's respawn waves."""

from __future__ import annotations

from ..telemetry import Kill, RoundTelemetry, WaveRule

DEFINITION = (
    "Spawn timing: for each kill of an enemy, the time until the victim's team's next respawn wave, divided by "
    "that team's wave interval. 1.0 means the victim died just after a wave and waits a whole interval (the most "
    "time taken away); near 0 means they respawn at once. A player's spawn-timing efficiency is the mean over "
    "their kills; denied seconds add the waits up. Waves follow the engine's schedule (the limbo time and the "
    "team's reinforcement offset); a revive can shorten the wait.")


def wave_rule(round_: RoundTelemetry, team: int, t: int) -> WaveRule | None:
    """The schedule ``team`` respawned by at ``t`` (None: not recorded)."""
    found = None
    for rule in round_.waves:
        if rule.team == team and rule.t <= t:
            found = rule
    return found


def spawn_wait(round_: RoundTelemetry, kill: Kill) -> tuple[int, int] | None:
    """(ms until the victim's next wave, the wave interval), None where the schedule is unknown.

    Waves fall where (offset + t) % limbo == 0 (the engine's test in g_active.c), t from the level start.
    """
    rule = wave_rule(round_, kill.victim_team, kill.t)
    if rule is None or not rule.limbo_ms or rule.offset_ms is None:
        return None
    return rule.limbo_ms - (rule.offset_ms + kill.t) % rule.limbo_ms, rule.limbo_ms

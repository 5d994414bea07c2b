"""Round-level rules: validity, outcome, bots (spec §4.4, §4.5)."""

from __future__ import annotations

from dataclasses import dataclass

from .formats import StatsFile


@dataclass(frozen=True, slots=True)
class Verdict:
    is_valid: bool
    reason: str | None
    outcome: str
    bot_count: int
    human_count: int


def judge(stats: StatsFile, status: str, excluded_maps: list[str]) -> Verdict:
    """Validity: no bot took part, the map is not a filler map, and the round is not an
    orphan R2 or a restarted round. Outcome from winner vs defender (never from times:
    the predecessor's time heuristic mislabelled 31 % of fullholds)."""
    bots = sum(1 for p in stats.players if p.is_bot)
    humans = len(stats.players) - bots
    reason = None
    if stats.map_name in excluded_maps:
        reason = f"excluded map {stats.map_name}"
    elif bots:
        reason = f"{bots} bot(s) played"
    elif not stats.players:
        reason = "no players"
    elif status in ("orphan_r2", "cancelled"):
        reason = status.replace("_", " ")
    header = stats.header
    if header.winner in (1, 2) and header.defender in (1, 2) and "defender_missing" not in header.diagnostics:
        outcome = "fullhold" if header.winner == header.defender else "completed"
    else:
        outcome = "unknown"
    return Verdict(reason is None, reason, outcome, bots, humans)

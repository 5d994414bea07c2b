"""A session's awards: one winner per award (ties all named), and the session's MVP.

Awards used to be thresholds that most players passed (80 rows for one session); an award
now goes to the best of the session at one thing, among players who played over two minutes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import msgspec

from .queries import SessionPlayer

MIN_SECONDS = 120


class SessionAward(msgspec.Struct, frozen=True):
    award: str
    rule: str
    winners: list[str]  # display names, more than one on a tie
    guids: list[str]
    value: str


_AWARDS: tuple[tuple[str, str, Callable[[SessionPlayer], float], str], ...] = (
    ("Team Dad", "most revives given", lambda p: p.revives_given, "{:.0f} revives"),
    ("Zombie Mode", "most times revived", lambda p: p.times_revived, "revived {:.0f} times"),
    ("Cleanup Crew", "most gibs", lambda p: p.gibs, "{:.0f} gibs"),
    ("Silent Assassin", "most headshot kills", lambda p: p.headshot_kills, "{:.0f} headshot kills"),
    ("Demolition Expert", "most dynamites planted", lambda p: p.dynamites_planted, "{:.0f} planted"),
    ("Bomb Squad", "most dynamites defused", lambda p: p.dynamites_defused, "{:.0f} defused"),
    ("Hot Streak", "longest killing spree", lambda p: p.best_spree, "spree of {:.0f}"),
    ("Impactful Fragger", "most useful kills", lambda p: p.useful_kills, "{:.0f} useful kills"),
    ("The Tank", "most damage taken", lambda p: p.damage_received, "{:.0f} damage taken"),
    ("Glass Cannon", "highest DPM among players with more deaths than kills",
     lambda p: p.dpm if p.deaths > p.kills else 0.0, "{:.1f} DPM"),
)

MVP_RULE = "highest DPM among players of at least half the session's counted rounds; K/D breaks a tie"


def session_awards(players: Sequence[SessionPlayer]) -> list[SessionAward]:
    """Each award's winners (those sharing the best value); an award nobody scored in is left out."""
    eligible = [p for p in players if p.seconds > MIN_SECONDS]
    found = []
    for award, rule, metric, shown in _AWARDS:
        best = max((metric(p) for p in eligible), default=0)
        if best <= 0:
            continue
        winners = sorted((p for p in eligible if metric(p) == best), key=lambda p: p.name.lower())
        found.append(SessionAward(award, rule, [p.name for p in winners], [p.guid for p in winners],
                                  shown.format(best)))
    return found


def mvp(players: Sequence[SessionPlayer], counted_rounds: int) -> SessionPlayer | None:
    """The session's most valuable player by :data:`MVP_RULE`; None when nobody did damage."""
    regulars = [p for p in players if p.rounds * 2 >= counted_rounds and p.damage_given > 0]
    return max(regulars, key=lambda p: (p.dpm, p.kd, p.guid), default=None)

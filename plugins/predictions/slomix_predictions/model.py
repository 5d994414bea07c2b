"""Skill ratings: openskill's Plackett-Luce model, one game per stopwatch map, with partial play
and inactivity handled here (openskill's ``weights`` are contribution, not time: spec §0 #6).

A player's rating is a mean μ and an uncertainty σ. Before a map, σ widens with the days since
his last map (a year away and we know as little as of a newcomer). After it, openskill rates
the two full lineups (a draw is an equal rank) and each player takes his time share of the
change in μ and in σ² (ET:Legacy's rule: ``g_skillrating.c`` scales Δμ by time on team).
Team strength is openskill's: the sum of μ. That favours the larger side of a 4v3 on purpose:
one more player is worth about that much in stopwatch.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from openskill.models import PlackettLuce

MU = 25.0
SIGMA = MU / 3
BETA = SIGMA / 2  # openskill's default performance noise
Z = 3.0  # conservative rating = μ - Z·σ
MIN_MAPS = 10  # leaderboards list players with at least this many rated maps
IDLE_DAYS_TO_NEW = 365.0  # days away after which σ is back to a newcomer's (σ² grows linearly)


@dataclass(slots=True)
class PlayerRating:
    mu: float = MU
    sigma: float = SIGMA
    maps: int = 0
    last_played: datetime | None = None

    @property
    def conservative(self) -> float:
        return self.mu - Z * self.sigma


@dataclass(slots=True)
class Change:
    """What one map did to one player's rating."""

    guid: str
    team: str
    share: float
    mu_before: float
    sigma_before: float
    mu: float
    sigma: float


@dataclass
class Ratings:
    """Every player's current rating; ``play`` applies one map, ``win_probability`` predicts one.

    ``beta`` is the performance noise of one map: the larger, the less one map says.
    """

    players: dict[str, PlayerRating] = field(default_factory=dict)
    beta: float = BETA
    model: PlackettLuce = field(init=False)

    def __post_init__(self) -> None:
        self.model = PlackettLuce(mu=MU, sigma=SIGMA, beta=self.beta)

    def get(self, guid: str) -> PlayerRating:
        return self.players.get(guid) or PlayerRating()

    def _rated(self, guid: str, when: datetime | None):
        """The player's openskill rating as of ``when`` (σ widened by the days away)."""
        r = self.get(guid)
        sigma = r.sigma
        if when is not None and r.last_played is not None:
            idle = max((when - r.last_played).total_seconds() / 86400, 0.0)
            sigma = min(math.sqrt(sigma ** 2 + idle * SIGMA ** 2 / IDLE_DAYS_TO_NEW), SIGMA)
        return self.model.rating(mu=r.mu, sigma=sigma, name=guid)

    def win_probability(self, team_a: Iterable[str], team_b: Iterable[str], when: datetime | None = None) -> float:
        """P(team A beats team B) on a map, from the ratings as of ``when``."""
        a = [self._rated(g, when) for g in team_a]
        b = [self._rated(g, when) for g in team_b]
        if not a or not b:
            raise ValueError("both teams need at least one player")
        return float(self.model.predict_win([a, b])[0])

    def predictor(self, when: datetime | None = None):
        """``predict(team_a, team_b)`` as ``win_probability``, each player's rating looked up once
        (balance asks hundreds of splits of the same players)."""
        cache: dict[str, object] = {}

        def rated(guid: str):
            if guid not in cache:
                cache[guid] = self._rated(guid, when)
            return cache[guid]

        def predict(team_a: Iterable[str], team_b: Iterable[str]) -> float:
            return float(self.model.predict_win([[rated(g) for g in team_a], [rated(g) for g in team_b]])[0])

        return predict

    def play(self, team_a: Mapping[str, float], team_b: Mapping[str, float], outcome: float,
             when: datetime) -> list[Change]:
        """Apply one map: ``team_*`` map GUID → time share, ``outcome`` team A's (1, 0.5, 0)."""
        a = [self._rated(g, when) for g in team_a]
        b = [self._rated(g, when) for g in team_b]
        ranks = [0, 1] if outcome > 0.5 else [1, 0] if outcome < 0.5 else [0, 0]
        new_a, new_b = self.model.rate([a, b], ranks=ranks)
        changes = []
        for team, shares, before, after in (("A", team_a, a, new_a), ("B", team_b, b, new_b)):
            for (guid, share), old, new in zip(shares.items(), before, after, strict=True):
                mu = old.mu + share * (new.mu - old.mu)
                sigma = math.sqrt(max(old.sigma ** 2 + share * (new.sigma ** 2 - old.sigma ** 2), 1e-9))
                kept = self.get(guid)
                self.players[guid] = PlayerRating(mu, sigma, kept.maps + 1, when)
                changes.append(Change(guid, team, share, old.mu, old.sigma, mu, sigma))
        return changes

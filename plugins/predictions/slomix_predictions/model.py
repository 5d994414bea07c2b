"""Skill ratings: openskill's Plackett-Luce model (Weng & Lin 2011, as openskill 6.2 computes it),
one game per stopwatch map, with partial play and inactivity handled here.

A player's rating is a mean μ and an uncertainty σ. Before a map, σ widens with the days since
his last map (a year away and we know as little as of a newcomer). After it, both full lineups
are rated as openskill rates two teams (a draw is an equal rank), and each player takes his
time share of the change in μ and in σ² (ET:Legacy's rule: ``g_skillrating.c`` scales Δμ by
time on team); openskill's ``weights`` are contribution, not time (spec §0 #6).

Stopwatch always has two teams, so the update is written out for two teams: the same numbers
as ``openskill.models.PlackettLuce.rate`` and ``predict_win`` (the tests compare them on random
teams to 1e-12), at a tenth of the cost (the library copies and re-identifies every rating on
every call; a rebuild rates 50 000 maps several times over).
Team strength is the sum of μ, as in openskill. That favours the larger side of a 4v3 on
purpose: one more player is worth about that much in stopwatch.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from statistics import NormalDist

MU = 25.0
SIGMA = MU / 3
BETA = SIGMA / 2  # openskill's default performance noise
TAU = MU / 300  # openskill's default dynamics, added to σ before every update
KAPPA = 1e-4  # openskill's floor on the σ² shrink factor
Z = 3.0  # conservative rating = μ - Z·σ
MIN_MAPS = 10  # leaderboards list players with at least this many rated maps
IDLE_DAYS_TO_NEW = 365.0  # days away after which σ is back to a newcomer's (σ² grows linearly)
_PHI = NormalDist().cdf


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


def win_probability(a: list[tuple[float, float]], b: list[tuple[float, float]], beta: float = BETA) -> float:
    """openskill's ``predict_win`` for two teams of (μ, σ): Φ((ΣμA − ΣμB) / √(2β² + ΣσA² + ΣσB²))."""
    spread = 2 * beta * beta + sum(s * s for _, s in a) + sum(s * s for _, s in b)
    return _PHI((sum(m for m, _ in a) - sum(m for m, _ in b)) / math.sqrt(spread))


def rate(a: list[tuple[float, float]], b: list[tuple[float, float]], outcome: float,
         beta: float = BETA) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    """openskill's ``PlackettLuce.rate`` for two teams of (μ, σ); ``outcome`` is team A's (1, 0.5, 0)."""
    teams = []
    for team in (a, b):
        players = [(mu, math.sqrt(s * s + TAU * TAU)) for mu, s in team]
        teams.append((players, sum(m for m, _ in players), sum(s * s for _, s in players)))
    rank = (0, 1) if outcome > 0.5 else (1, 0) if outcome < 0.5 else (0, 0)
    c = math.sqrt(sum(s2 + beta * beta for _, _, s2 in teams))
    strength = [math.exp(mu / c) for _, mu, _ in teams]
    below = [sum(strength[i] for i in (0, 1) if rank[i] >= rank[q]) for q in (0, 1)]
    tied = [rank.count(rank[q]) for q in (0, 1)]
    out = []
    for i, (players, _, s2) in enumerate(teams):
        omega = delta = 0.0
        for q in (0, 1):
            if rank[q] <= rank[i]:
                x = strength[i] / below[q]
                delta += x * (1 - x) / tied[q]
                omega += ((1 - x) if q == i else -x) / tied[q]
        omega *= s2 / c
        delta *= s2 / c ** 2 * math.sqrt(s2) / c  # openskill's default gamma: √σ²_team / c
        out.append([(mu + s * s / s2 * omega, s * math.sqrt(max(1 - s * s / s2 * delta, KAPPA))) for mu, s in players])
    return out[0], out[1]


@dataclass
class Ratings:
    """Every player's current rating; ``play`` applies one map, ``win_probability`` predicts one.

    ``beta`` is the performance noise of one map: the larger, the less one map says.
    """

    players: dict[str, PlayerRating] = field(default_factory=dict)
    beta: float = BETA
    # The last moment asked about and the ratings as of then: a replay predicts a map, then plays
    # it, at the same moment (cleared by every play).
    _memo: tuple[datetime | None, dict[str, tuple[float, float]]] = field(
        default_factory=lambda: (None, {}), init=False, repr=False, compare=False)

    def get(self, guid: str) -> PlayerRating:
        return self.players.get(guid) or PlayerRating()

    def rated(self, guid: str, when: datetime | None) -> tuple[float, float]:
        """The player's (μ, σ) as of ``when`` (σ widened by the days away)."""
        memo_when, memo = self._memo
        if when is not None and when == memo_when and guid in memo:
            return memo[guid]
        r = self.players.get(guid)
        if r is None:
            return MU, SIGMA
        sigma = r.sigma
        if when is not None and r.last_played is not None and when > r.last_played:
            idle = (when - r.last_played).total_seconds() / 86400
            sigma = min(math.sqrt(sigma * sigma + idle * SIGMA * SIGMA / IDLE_DAYS_TO_NEW), SIGMA)
        if when is not None:
            if when != memo_when:
                memo = {}
                self._memo = (when, memo)
            memo[guid] = (r.mu, sigma)
        return r.mu, sigma

    def win_probability(self, team_a: Iterable[str], team_b: Iterable[str], when: datetime | None = None) -> float:
        """P(team A beats team B) on a map, from the ratings as of ``when``."""
        a = [self.rated(g, when) for g in team_a]
        b = [self.rated(g, when) for g in team_b]
        if not a or not b:
            raise ValueError("both teams need at least one player")
        return win_probability(a, b, self.beta)

    def predictor(self, when: datetime | None = None):
        """``predict(team_a, team_b)`` as ``win_probability``, each player's rating looked up once
        (balance asks hundreds of splits of the same players)."""
        cache: dict[str, tuple[float, float]] = {}

        def rated(guid: str) -> tuple[float, float]:
            if guid not in cache:
                cache[guid] = self.rated(guid, when)
            return cache[guid]

        def predict(team_a: Iterable[str], team_b: Iterable[str]) -> float:
            return win_probability([rated(g) for g in team_a], [rated(g) for g in team_b], self.beta)

        return predict

    def play(self, team_a: Mapping[str, float], team_b: Mapping[str, float], outcome: float,
             when: datetime, record: bool = True) -> list[Change]:
        """Apply one map: ``team_*`` map GUID → time share, ``outcome`` team A's (1, 0.5, 0).
        Returns each player's change (none when not ``record``: a candidate's replay needs none)."""
        a = [self.rated(g, when) for g in team_a]
        b = [self.rated(g, when) for g in team_b]
        new_a, new_b = rate(a, b, outcome, self.beta)
        self._memo = (None, {})
        changes = []
        players = self.players
        for team, shares, before, after in (("A", team_a, a, new_a), ("B", team_b, b, new_b)):
            for (guid, share), (mu0, sigma0), (mu1, sigma1) in zip(shares.items(), before, after, strict=True):
                mu = mu0 + share * (mu1 - mu0)
                sigma = math.sqrt(max(sigma0 * sigma0 + share * (sigma1 * sigma1 - sigma0 * sigma0), 1e-9))
                kept = players.get(guid)
                if kept is None:
                    players[guid] = PlayerRating(mu, sigma, 1, when)
                else:  # in place: a rebuild plays every map of the history several times over
                    kept.mu, kept.sigma, kept.maps, kept.last_played = mu, sigma, kept.maps + 1, when
                if record:
                    changes.append(Change(guid, team, share, mu0, sigma0, mu, sigma))
        return changes


@dataclass
class Mixture:
    """Ratings at several noise levels, predicting together: each one's probability weighted by how
    well it predicted the maps so far (Bayesian model averaging; weights sum to 1). ``main`` is the
    heaviest: its ratings are the ones shown."""

    members: list[Ratings]
    weights: list[float]

    @property
    def main(self) -> Ratings:
        return self.members[max(range(len(self.weights)), key=lambda i: (self.weights[i], -i))]

    @property
    def players(self) -> dict[str, PlayerRating]:
        return self.main.players

    def win_probability(self, team_a: Iterable[str], team_b: Iterable[str], when: datetime | None = None) -> float:
        a, b = list(team_a), list(team_b)
        return sum(w * m.win_probability(a, b, when) for w, m in zip(self.weights, self.members, strict=True))

    def predictor(self, when: datetime | None = None):
        parts = [(w, m.predictor(when)) for w, m in zip(self.weights, self.members, strict=True)]

        def predict(team_a: Iterable[str], team_b: Iterable[str]) -> float:
            a, b = list(team_a), list(team_b)
            return sum(w * p(a, b) for w, p in parts)

        return predict


def weights(losses: Sequence[float]) -> list[float]:
    """Posterior weights of candidates from their summed log losses (a uniform prior)."""
    best = min(losses)
    raw = [math.exp(best - loss) for loss in losses]
    total = sum(raw)
    return [r / total for r in raw]

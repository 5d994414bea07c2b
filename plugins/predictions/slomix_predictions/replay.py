"""Replaying the history in order: ratings as of every map, and the walk-forward evaluation.

Each map is predicted from earlier maps only (from its first round's lineups, as a live
prediction is), then learnt. How noisy one map is (openskill's β) is not fixed in advance:
a few candidates are rated side by side and each map is predicted by their mixture, each
weighted by its log loss on the earlier maps (Bayesian model averaging: the weights, too, see
only the past; the mixture's total log loss is within ln 4 of the best candidate's).
The same pass scores every baseline, so the figures are reproducible to the digit.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import msgspec

from . import metrics
from .baselines import all_baselines
from .history import MapGame
from .model import BETA, Change, Mixture, Ratings, weights

MODEL = "openskill-pl-partial-v2"
BETAS = tuple(BETA * k for k in (1, 2, 4, 8))


class Evaluation(msgspec.Struct, frozen=True, kw_only=True):
    """Walk-forward figures over the decided maps (draws are counted apart and not scored).

    ``weights`` is ``[[β, weight], ...]`` after the last map (live predictions use them); ``beta``
    is the heaviest candidate's, whose ratings are shown.
    """

    n: int
    draws: int
    model: metrics.Score
    baselines: dict[str, metrics.Score]
    reliability: list[list[float]]
    beta: float = BETA
    weights: list[list[float]] = []
    model_version: str = MODEL

    @property
    def beats_baselines(self) -> bool:
        """The model's log loss is below every baseline's: only then are predictions published."""
        return self.n > 0 and all(self.model.log_loss < b.log_loss for b in self.baselines.values())

    def margin(self) -> float:
        """How much lower the model's log loss is than the best baseline's (negative: higher)."""
        return min(b.log_loss for b in self.baselines.values()) - self.model.log_loss


@dataclass
class Played:
    """One map as replayed: the predictions made before it and the rating changes it caused."""

    game: MapGame
    p_model: float
    p_baselines: dict[str, float]
    changes: list[Change] = field(default_factory=list)


@dataclass
class Replay:
    mixture: Mixture
    played: list[Played] = field(default_factory=list)

    @property
    def ratings(self) -> Ratings:
        return self.mixture.main

    def evaluation(self) -> Evaluation:
        decided = [p for p in self.played if p.game.outcome != 0.5]
        outcomes = [int(p.game.outcome) for p in decided]
        mix = [[m.beta, w] for m, w in zip(self.mixture.members, self.mixture.weights, strict=True)]
        if not decided:
            empty = metrics.Score(brier=0.0, log_loss=0.0, accuracy=0.0)
            return Evaluation(n=0, draws=len(self.played), model=empty, beta=self.ratings.beta, weights=mix,
                              baselines={b.name: empty for b in all_baselines()}, reliability=[])
        model = [p.p_model for p in decided]
        return Evaluation(
            n=len(decided), draws=len(self.played) - len(decided), model=metrics.score(model, outcomes),
            baselines={name: metrics.score([p.p_baselines[name] for p in decided], outcomes)
                       for name in decided[0].p_baselines},
            reliability=metrics.reliability(model, outcomes), beta=self.ratings.beta, weights=mix)


def _loss(p: float, outcome: float) -> float:
    p = min(max(p, metrics.EPS), 1 - metrics.EPS)
    return -math.log(p if outcome == 1 else 1 - p)


def replay(games: Sequence[MapGame], betas: Sequence[float] = BETAS) -> Replay:
    """Rate ``games`` (in play order) from scratch; deterministic for the same input."""
    candidates = [Ratings(beta=b) for b in betas]
    losses = [0.0] * len(candidates)
    baselines = all_baselines()
    played = []
    for game in games:
        share = weights(losses)
        predictions = [r.win_probability(game.lineup_a, game.lineup_b, game.played_at) for r in candidates]
        p = sum(w * q for w, q in zip(share, predictions, strict=True))
        played.append(Played(game, p, {b.name: b.predict(game) for b in baselines}))
        if game.outcome != 0.5:
            losses = [total + _loss(q, game.outcome) for total, q in zip(losses, predictions, strict=True)]
        for r in candidates:
            r.play(game.team_a, game.team_b, game.outcome, game.played_at, record=False)
        for b in baselines:
            b.learn(game)
    mixture = Mixture(candidates, weights(losses))
    # The shown ratings' history (the heaviest candidate's), replayed once more with its changes.
    again = Ratings(beta=mixture.main.beta)
    for entry in played:
        entry.changes = again.play(entry.game.team_a, entry.game.team_b, entry.game.outcome, entry.game.played_at)
    return Replay(mixture, played)

"""How good probabilities are: Brier score, log loss, accuracy and a reliability table (spec §3.7).

Outcomes are 1 (the first team won) or 0; draws are left out by the caller, consistently for
every model. A probability of exactly 0.5 counts as half right.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import msgspec

EPS = 1e-6  # log loss clips p to [EPS, 1 - EPS]
BINS = 5


class Score(msgspec.Struct, frozen=True):
    brier: float
    log_loss: float
    accuracy: float


def score(probabilities: Sequence[float], outcomes: Sequence[int]) -> Score:
    """Brier, log loss and accuracy of ``probabilities`` against 0/1 ``outcomes`` (same length, not empty)."""
    if len(probabilities) != len(outcomes) or not outcomes:
        raise ValueError("score needs as many outcomes as probabilities, at least one")
    n = len(outcomes)
    brier = sum((p - o) ** 2 for p, o in zip(probabilities, outcomes, strict=True)) / n
    loss = -sum(math.log(min(max(p, EPS), 1 - EPS)) if o else math.log(min(max(1 - p, EPS), 1 - EPS))
                for p, o in zip(probabilities, outcomes, strict=True)) / n
    right = sum(0.5 if p == 0.5 else float((p > 0.5) == bool(o))
                for p, o in zip(probabilities, outcomes, strict=True)) / n
    return Score(brier=brier, log_loss=loss, accuracy=right)


def reliability(probabilities: Sequence[float], outcomes: Sequence[int], bins: int = BINS) -> list[list[float]]:
    """``[mean p, observed win rate, count]`` per uniform bin of p (empty bins left out), as
    scikit-learn's ``calibration_curve`` with its default 5 bins, plus the count."""
    sums: list[list[float]] = [[0.0, 0.0, 0] for _ in range(bins)]
    for p, o in zip(probabilities, outcomes, strict=True):
        cell = sums[min(int(p * bins), bins - 1)]
        cell[0] += p
        cell[1] += o
        cell[2] += 1
    return [[p / n, o / n, n] for p, o, n in sums if n]

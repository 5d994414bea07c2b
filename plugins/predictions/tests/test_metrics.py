"""Scores and calibration on synthetic outcomes whose true probabilities are known."""

from __future__ import annotations

import math
import random

import pytest

from slomix_predictions.metrics import reliability, score


def test_scores_by_hand() -> None:
    s = score([0.8, 0.3, 0.5, 0.6], [1, 0, 1, 0])
    assert s.brier == pytest.approx((0.04 + 0.09 + 0.25 + 0.36) / 4)
    assert s.log_loss == pytest.approx(-(math.log(0.8) + math.log(0.7) + math.log(0.5) + math.log(0.4)) / 4)
    assert s.accuracy == pytest.approx((1 + 1 + 0.5 + 0) / 4)
    coin = score([0.5] * 10, [1, 0] * 5)
    assert (coin.brier, round(coin.log_loss, 4), coin.accuracy) == (0.25, 0.6931, 0.5)
    # Certainty that is wrong is clipped, not infinite.
    assert score([1.0], [0]).log_loss == pytest.approx(-math.log(1e-6))
    with pytest.raises(ValueError):
        score([0.5], [])


def test_reliability_bins_as_calibration_curve() -> None:
    bins = reliability([0.05, 0.15, 0.5, 0.55, 0.95, 1.0], [0, 1, 1, 0, 1, 1])
    assert bins == [[0.1, 0.5, 2], [0.525, 0.5, 2], [0.975, 1.0, 2]]  # empty bins left out


def test_known_probabilities_are_found_calibrated_and_a_distortion_is_not() -> None:
    rng = random.Random(18)
    truth = [rng.random() for _ in range(40_000)]
    outcomes = [int(rng.random() < p) for p in truth]
    for mean_p, observed, count in reliability(truth, outcomes):
        assert abs(observed - mean_p) < 0.02 and count > 7000
    # Brier of the true probabilities is E[p(1-p)] = 1/6 for p uniform; over-confidence scores worse.
    assert score(truth, outcomes).brier == pytest.approx(1 / 6, abs=0.005)
    sharp = [min(max(0.5 + 2 * (p - 0.5), 0.0), 1.0) for p in truth]
    assert score(sharp, outcomes).log_loss > score(truth, outcomes).log_loss
    extreme = reliability(sharp, outcomes)
    assert extreme[0][1] - extreme[0][0] > 0.1 and extreme[-1][0] - extreme[-1][1] > 0.1

"""The rating model on hand-made maps: openskill's update worked out by hand, partial play, draws, idleness."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta

import pytest
from openskill.models import PlackettLuce

from slomix_predictions.model import BETA, MU, SIGMA, Ratings, rate, win_probability

T0 = datetime(2025, 1, 1, 20, 0)
TAU2 = (MU / 300) ** 2  # openskill adds τ² before every update


def hand_update(sizes: tuple[int, int], beta: float) -> tuple[float, list[float]]:
    """Plackett-Luce (Weng-Lin) for two teams of newcomers, the first winning: Δμ of every player
    (± the same) and each team's new σ (openskill 6.2, gamma = √σ²_team / c, kappa 1e-4)."""
    s2 = SIGMA ** 2 + TAU2
    teams = [n * s2 for n in sizes]
    c = math.sqrt(sum(t + beta ** 2 for t in teams))
    dmu = s2 / c * 0.5  # equal means: each team's share of the softmax is one half
    sigmas = []
    for team in teams:
        eta = math.sqrt(team) / c * team / c ** 2 * 0.25
        sigmas.append(math.sqrt(s2 * max(1 - s2 / team * eta, 1e-4)))
    return dmu, sigmas


@pytest.mark.parametrize("beta", [BETA, 4 * BETA])
def test_one_map_of_newcomers_matches_the_hand_computation(beta) -> None:
    ratings = Ratings(beta=beta)
    changes = ratings.play({"a1": 1.0, "a2": 1.0, "a3": 1.0}, {"b1": 1.0, "b2": 1.0, "b3": 1.0}, 1.0, T0)
    dmu, (sigma_a, sigma_b) = hand_update((3, 3), beta)
    for c in changes:
        assert c.mu - MU == pytest.approx(dmu if c.team == "A" else -dmu, abs=1e-12)
        assert c.sigma == pytest.approx(sigma_a if c.team == "A" else sigma_b, abs=1e-12)
    if beta == BETA:  # openskill's documented 3v3 figure (spec §3.1): +1.63 each
        assert round(dmu, 2) == 1.63


def test_partial_play_takes_the_time_share_of_the_change() -> None:
    full, half = Ratings(), Ratings()
    full.play({"a1": 1.0, "a2": 1.0}, {"b1": 1.0, "b2": 1.0}, 1.0, T0)
    changes = {c.guid: c for c in half.play({"a1": 1.0, "a2": 0.5}, {"b1": 1.0, "b2": 0.25}, 1.0, T0)}
    whole = {g: full.players[g] for g in full.players}
    assert changes["a2"].mu - MU == pytest.approx(0.5 * (whole["a2"].mu - MU))
    assert changes["b2"].mu - MU == pytest.approx(0.25 * (whole["b2"].mu - MU))
    assert changes["a2"].sigma ** 2 == pytest.approx(SIGMA ** 2 + 0.5 * (whole["a2"].sigma ** 2 - SIGMA ** 2))
    assert changes["a1"].mu == pytest.approx(whole["a1"].mu)


def test_a_draw_between_equals_moves_no_mean_and_shrinks_uncertainty() -> None:
    ratings = Ratings()
    changes = ratings.play({"a": 1.0}, {"b": 1.0}, 0.5, T0)
    assert all(c.mu == pytest.approx(MU) and c.sigma < SIGMA for c in changes)


def test_idleness_widens_the_uncertainty_up_to_a_newcomers() -> None:
    ratings = Ratings()
    for day in range(20):
        ratings.play({"a": 1.0, "x": 1.0}, {"b": 1.0, "y": 1.0}, 1.0, T0 + timedelta(days=day))
    after = T0 + timedelta(days=19)
    sigma = ratings.players["a"].sigma
    assert ratings.rated("a", after)[1] == pytest.approx(sigma)
    month = ratings.rated("a", after + timedelta(days=30))[1]
    assert month == pytest.approx(math.sqrt(sigma ** 2 + 30 * SIGMA ** 2 / 365))
    assert ratings.rated("a", after + timedelta(days=5000))[1] == SIGMA
    # More uncertainty, less confidence in the same gap of skill.
    assert 0.5 < ratings.win_probability(["a", "x"], ["b", "y"], after + timedelta(days=200)) \
        < ratings.win_probability(["a", "x"], ["b", "y"], after)


def test_prediction_is_openskills_and_the_larger_team_is_favoured() -> None:
    ratings = Ratings()
    assert ratings.win_probability(["a", "b"], ["c", "d"]) == pytest.approx(0.5)
    # 4 newcomers vs 3: openskill's documented 0.863 (team strength is the sum of means).
    assert round(ratings.win_probability(["a", "b", "c", "d"], ["e", "f", "g"]), 3) == 0.863
    predict = ratings.predictor()
    assert predict(["a", "b", "c", "d"], ["e", "f", "g"]) == ratings.win_probability(["a", "b", "c", "d"],
                                                                                     ["e", "f", "g"])
    with pytest.raises(ValueError, match="at least one player"):
        ratings.win_probability([], ["a"])


def test_the_two_team_update_is_openskills_on_random_teams() -> None:
    """openskill 6.2 as the oracle: random sizes, means, uncertainties, noise and results (draws too)."""
    rng = random.Random(6)
    for _ in range(500):
        beta = rng.choice([BETA, 2 * BETA, 8 * BETA])
        model = PlackettLuce(mu=MU, sigma=SIGMA, beta=beta)
        a = [(rng.uniform(0, 50), rng.uniform(0.3, SIGMA)) for _ in range(rng.randint(1, 6))]
        b = [(rng.uniform(0, 50), rng.uniform(0.3, SIGMA)) for _ in range(rng.randint(1, 6))]
        outcome = rng.choice([0.0, 0.5, 1.0])
        teams = [[model.rating(mu=m, sigma=s) for m, s in t] for t in (a, b)]
        ranks = [0, 1] if outcome == 1 else [1, 0] if outcome == 0 else [0, 0]
        expected = [x for t in model.rate(teams, ranks=ranks) for r in t for x in (r.mu, r.sigma)]
        got = [x for t in rate(a, b, outcome, beta) for r in t for x in r]
        assert got == pytest.approx(expected, abs=1e-12)
        assert win_probability(a, b, beta) == pytest.approx(model.predict_win(teams)[0], abs=1e-12)


def test_a_mixture_weights_candidates_by_their_past_log_loss() -> None:
    from slomix_predictions.model import Mixture, weights

    assert weights([0.0, math.log(2)]) == pytest.approx([2 / 3, 1 / 3])
    assert weights([5.0, 5.0, 5.0]) == pytest.approx([1 / 3] * 3)
    sharp, soft = Ratings(beta=BETA), Ratings(beta=8 * BETA)
    for r in (sharp, soft):
        r.play({"a": 1.0}, {"b": 1.0}, 1.0, T0)
    mix = Mixture([sharp, soft], [0.25, 0.75])
    expected = 0.25 * sharp.win_probability(["a"], ["b"]) + 0.75 * soft.win_probability(["a"], ["b"])
    assert mix.win_probability(["a"], ["b"]) == pytest.approx(expected)
    assert mix.predictor()(["a"], ["b"]) == pytest.approx(expected)
    assert mix.main is soft and mix.players is soft.players

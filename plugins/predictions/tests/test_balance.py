"""Balance against brute force on random small sets (every assignment of every player), with constraints."""

from __future__ import annotations

from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slomix_predictions.balance import BalanceError, splits
from slomix_predictions.model import PlayerRating, Ratings


def brute(players, predict, together=(), apart=()):
    """The smallest |p - 0.5| over all 2^n assignments with team sizes differing by at most one."""
    best = None
    for sides in product((0, 1), repeat=len(players)):
        a = [p for p, s in zip(players, sides, strict=True) if s == 0]
        b = [p for p, s in zip(players, sides, strict=True) if s == 1]
        if not a or not b or abs(len(a) - len(b)) > 1:
            continue
        team = set(a)
        if any((x in team) != (y in team) for x, y in together) or any((x in team) == (y in team) for x, y in apart):
            continue
        gap = abs(predict(a, b) - 0.5)
        best = gap if best is None else min(best, gap)
    return best


@st.composite
def cases(draw):
    n = draw(st.integers(2, 8))
    players = [f"p{i}" for i in range(n)]
    mus = draw(st.lists(st.floats(5, 45), min_size=n, max_size=n))
    sigmas = draw(st.lists(st.floats(1, 8.3), min_size=n, max_size=n))
    pairs = st.tuples(st.sampled_from(players), st.sampled_from(players)).filter(lambda t: t[0] != t[1])
    together = draw(st.lists(pairs, max_size=2))
    apart = draw(st.lists(pairs, max_size=2))
    return players, Ratings({p: PlayerRating(m, s) for p, m, s in zip(players, mus, sigmas, strict=True)}), \
        together, apart


@settings(max_examples=150, deadline=None)
@given(cases())
def test_balance_finds_the_brute_force_optimum(case) -> None:
    players, ratings, together, apart = case
    predict = ratings.predictor()
    expected = brute(players, predict, together, apart)
    if expected is None:
        with pytest.raises(BalanceError, match="no split satisfies"):
            splits(players, predict, together=together, apart=apart)
        return
    found = splits(players, predict, together=together, apart=apart)
    assert abs(found[0].p_a - 0.5) == pytest.approx(expected, abs=1e-12)
    assert all(abs(s.p_a - 0.5) >= abs(found[0].p_a - 0.5) for s in found)
    for s in found:  # every split listed once, every player placed once, sizes even
        assert sorted(s.team_a + s.team_b) == sorted(players) and abs(len(s.team_a) - len(s.team_b)) <= 1
    assert len({frozenset(s.team_a) for s in found} | {frozenset(s.team_b) for s in found}) == 2 * len(found) \
        or len(players) % 2 == 1


def test_twelve_players_are_462_splits_and_thirteen_are_refused() -> None:
    ratings = Ratings()
    players = [f"p{i}" for i in range(12)]
    assert len(splits(players, ratings.predictor())) == 462
    with pytest.raises(BalanceError, match="at most 12 players, not 13"):
        splits([*players, "p12"], ratings.predictor())
    with pytest.raises(BalanceError, match="at least two"):
        splits(["p0"], ratings.predictor())
    with pytest.raises(BalanceError, match="not in the list: zz"):
        splits(players, ratings.predictor(), together=[("p0", "zz")])

"""Duo, matchup and rivalry figures on hand-made maps and versus totals."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from slomix_predictions.api import MapRecord, PlayerMap
from slomix_stats.api import VersusTotal
from slomix_synergy.figures import best_duos, duo, matchup, record, rivalry, wilson

T0 = datetime(2025, 5, 1, 21, 0)


def game(i: int, a: list[str], b: list[str], outcome: float, delta: float = 0.5) -> MapRecord:
    players = [PlayerMap(g, "A", 1.0, delta if outcome == 1 else -delta) for g in a]
    players += [PlayerMap(g, "B", 1.0, -delta if outcome == 1 else delta) for g in b]
    return MapRecord(session_start=T0, seq=i, map_name="supply", played_at=T0 + timedelta(minutes=20 * i),
                     outcome=outcome, players=players)


def test_wilson_interval_by_known_values() -> None:
    low, high = wilson(8, 10)  # the textbook example: 0.490 - 0.943
    assert (round(low, 3), round(high, 3)) == (0.49, 0.943)
    assert wilson(0, 0) == (0.0, 1.0)
    assert wilson(5, 5)[1] == 1.0 and wilson(0, 5)[0] == pytest.approx(0.0, abs=1e-12)


def test_record_counts_draws_as_half() -> None:
    r = record([1, 1, 0.5, 0], [1.0, 2.0, 3.0])
    assert (r.maps, r.wins, r.draws, r.losses, r.win_rate) == (4, 2, 1, 1, 0.625)
    assert r.delta_mu == 2.0 and r.delta_mu_ci == pytest.approx(1.959964 * 1.0 / 3 ** 0.5, rel=1e-5)


def test_duo_together_and_apart() -> None:
    maps = [game(0, ["x", "y", "p"], ["q", "r", "s"], 1), game(1, ["x", "y", "q"], ["p", "r", "s"], 1),
            game(2, ["x", "p", "q"], ["y", "r", "s"], 0), game(3, ["y", "p", "q"], ["r", "s", "t"], 0.5),
            game(4, ["p", "q", "r"], ["s", "t", "u"], 1)]
    d = duo(maps, "x", "y")
    assert (d.together.maps, d.together.wins) == (2, 2)
    # Apart: map 2 counts for x (lost) and for y (won, the other side); map 3 for y alone (a draw).
    assert (d.apart.maps, d.apart.wins, d.apart.draws, d.apart.losses) == (3, 1, 1, 1)
    assert d.lift == pytest.approx(1.0 - 0.5)
    ranked = best_duos(maps, least=2)
    assert ("x", "y") in {(b.a, b.b) for b in ranked} and all(b.together.maps >= 2 for b in ranked)
    assert [b.together.win_low for b in ranked] == sorted((b.together.win_low for b in ranked), reverse=True)
    assert ("r", "s") in {(b.a, b.b) for b in ranked} and ("t", "u") not in {(b.a, b.b) for b in ranked}


def test_matchup_needs_every_player_on_his_side() -> None:
    maps = [game(0, ["x", "y", "p"], ["q", "r", "s"], 1), game(1, ["q", "r", "t"], ["x", "y", "u"], 1),
            game(2, ["x", "q", "p"], ["y", "r", "s"], 0), game(3, ["x", "p", "t"], ["q", "r", "u"], 0)]
    m = matchup(maps, ["x", "y"], ["q", "r"])
    assert (m.record.maps, m.record.wins, m.record.losses) == (2, 1, 1)
    assert [r for _, _, r in m.maps] == [0, 1]  # newest first, from x+y's side


def total(name: str, kills: int, deaths: int) -> VersusTotal:
    return VersusTotal(opponent_guid=name.upper(), opponent_name=name, kills=kills, deaths=deaths, rounds=2)


def test_rivalry_thresholds() -> None:
    r = rivalry([total("a", 2, 9), total("b", 8, 1), total("c", 5, 4), total("d", 0, 4), total("e", 3, 3)])
    assert (r.nemesis.opponent_name, r.prey.opponent_name, r.rival.opponent_name) == ("a", "b", "c")
    assert "d" not in {t.opponent_name for t in r.opponents}  # 4 encounters: below 5
    nobody = rivalry([total("d", 0, 4)])
    assert (nobody.nemesis, nobody.prey, nobody.rival) == (None, None, None)

"""The real stopwatch history in ../shared/data: the walk-forward evaluation to the digit, the first
map's rating changes worked out by hand, a rebuild that changes nothing, and the commands on it."""

from __future__ import annotations

import math
from datetime import datetime

import msgspec
import pytest

from slomix_predictions import cli, history, service, store
from slomix_predictions.model import MU, SIGMA

pytestmark = pytest.mark.anyio

# `slomix import ../shared/data/stats && slomix ratings evaluate --json` (figures in the closing note).
EXPECTED = {
    "n": 69, "draws": 2,
    "model": (0.228939075625, 0.652222483266, 0.586956521739),
    "coin": (0.25, 0.69314718056, 0.5),
    "dpm_share": (0.249503736931, 0.692154653039, 0.644927536232),
    "elo": (0.223593320345, 0.6396219513, 0.594202898551),
}
SIX = ["D8423F90", "EDBB5DA9", "5D989160", "1C747DF1", "7B84BE88", "652EB4A6"]


def triple(s) -> tuple[float, float, float]:
    return (round(s.brier, 12), round(s.log_loss, 12), round(s.accuracy, 12))


async def test_walk_forward_figures_to_the_digit(rated) -> None:
    e = await store.evaluation(rated.db.pool)
    assert (e.n, e.draws) == (EXPECTED["n"], EXPECTED["draws"])
    assert triple(e.model) == EXPECTED["model"]
    assert {k: triple(v) for k, v in e.baselines.items()} == {k: EXPECTED[k] for k in ("coin", "dpm_share", "elo")}
    assert sum(int(b[2]) for b in e.reliability) == e.n
    # On 69 maps the model beats the coin and the old heuristic but not plain Elo: nothing is published.
    assert not e.beats_baselines and e.margin() < 0
    figures = cli.figures(e)
    assert set(figures) >= {"n", "model", "baselines", "reliability"}
    assert set(figures["model"]) == {"brier", "log_loss", "accuracy"}
    assert set(figures["baselines"]) == {"coin", "dpm_share", "elo"}
    assert all(len(row) == 3 for row in figures["reliability"])
    health = await rated.health()
    detail = next(p["detail"] for p in health["plugins"] if p["name"] == "predictions")
    assert (detail["rated_maps"], detail["rated_players"]) == (71, 22) and detail["rebuilt_at"]
    # A second rebuild of the same history stores the same ratings.
    before = await rated.db.pool.fetch("SELECT * FROM predictions.ratings ORDER BY guid")
    await service.rebuild(rated.db.pool)
    assert await rated.db.pool.fetch("SELECT * FROM predictions.ratings ORDER BY guid") == before


async def test_the_first_map_by_hand(rated) -> None:
    pool = rated.db.pool
    beta = (await store.evaluation(pool)).beta
    first = (await history.load(pool))[0]
    rows = await pool.fetch(
        """SELECT c.guid, c.team, c.share, c.mu, c.sigma, m.outcome FROM predictions.rating_changes c
           JOIN predictions.maps m USING (session_start, seq) WHERE m.session_start = $1 AND m.seq = $2""",
        first.session_start, first.seq)
    assert {r["guid"] for r in rows} == set(first.team_a) | set(first.team_b)
    # Everybody is new on the first map: Plackett-Luce with equal means, worked out by hand.
    s2 = SIGMA ** 2 + (MU / 300) ** 2
    size = {"A": len(first.team_a), "B": len(first.team_b)}
    c = math.sqrt(sum(n * s2 + beta ** 2 for n in size.values()))
    won = {"A": first.outcome, "B": 1 - first.outcome}
    assert first.outcome in (0.0, 1.0)
    for r in rows:
        team = size[r["team"]] * s2
        eta = math.sqrt(team) / c * team / c ** 2 * 0.25
        new_sigma2 = s2 * (1 - s2 / team * eta)
        sign = 1 if won[r["team"]] == 1 else -1
        assert r["mu"] == pytest.approx(MU + r["share"] * sign * s2 / c * 0.5, abs=1e-6)
        assert r["sigma"] ** 2 == pytest.approx(SIGMA ** 2 + r["share"] * (new_sigma2 - SIGMA ** 2), abs=1e-5)
    assert all(0 < r["share"] <= 1 for r in rows)


async def test_partial_play_in_the_real_history(rated) -> None:
    games = await history.load(rated.db.pool)
    shares = [s for g in games for s in (*g.team_a.values(), *g.team_b.values())]
    assert len(games) == 71 and min(shares) > 0 and max(shares) <= 1
    assert sum(g.outcome == 0.5 for g in games) == 2  # 1-1 double fullholds are draws
    assert all(set(g.lineup_a).isdisjoint(g.lineup_b) for g in games)


async def test_balance_six_real_players(rated, ask) -> None:
    reply = await ask(rated, "!balance " + " ".join(SIX))
    a, b = reply.data["teams"]
    assert (len(a), len(b)) == (3, 3) and sorted(a + b) == sorted(SIX)
    assert abs(reply.data["p_a"] - 0.5) <= abs(reply.data["alternative"]["p_a"] - 0.5) and reply.data["splits"] == 10
    ratings = await service.current(rated.db.pool, SIX)
    assert reply.data["p_a"] == pytest.approx(ratings.win_probability(a, b, datetime.now()), abs=1e-6)
    assert "vid" in reply.fields[0].value + reply.fields[1].value  # names, not GUIDs
    apart = await ask(rated, "!balance " + " ".join(SIX) + f" apart={a[0]}+{b[0]}")
    x = apart.data["teams"][0]
    assert (a[0] in x) != (b[0] in x) and apart.data["splits"] < 10
    refused = await ask(rated, "!balance " + " ".join(SIX) + f" together={SIX[0]}+{SIX[1]} apart={SIX[0]}+{SIX[1]}")
    assert refused.error and "no split satisfies" in refused.description
    assert (await ask(rated, "!balance")).error
    unknown = await ask(rated, "!balance vid nobody_called_this")
    assert unknown.error and "nobody_called_this" in unknown.description


async def test_prediction_commands(rated, ask) -> None:
    reply = await ask(rated, f"!predict {SIX[0]},{SIX[1]},{SIX[2]} vs {SIX[3]},{SIX[4]},{SIX[5]} supply")
    ratings = await service.current(rated.db.pool, SIX)
    assert reply.data["p_a"] == pytest.approx(ratings.win_probability(SIX[:3], SIX[3:], datetime.now()), abs=1e-6)
    assert reply.data["map"] == "supply" and "kept unpublished" in reply.description
    listed = await ask(rated, "!predictions")
    assert listed.tables[0].rows[0][0] == reply.data["id"] and listed.tables[0].rows[0][-1] == "not played"
    record = await ask(rated, "!prediction_stats")
    assert record.images[0].data.startswith(b"\x89PNG") and "69 decided maps" in record.description
    assert [row[0] for row in record.tables[0].rows] == ["model", "coin", "dpm_share", "elo"]
    mine = await ask(rated, "!my_predictions vid")
    assert mine.title.startswith("vid") and mine.tables[0].rows
    games = [g for g in await history.load(rated.db.pool) if "D8423F90" in (*g.team_a, *g.team_b)]
    assert f"of {sum(g.outcome != 0.5 for g in games[-15:])} decided maps" in mine.description


async def test_rating_commands(rated, ask) -> None:
    board = await ask(rated, "!ratings")
    values = [float(row[2]) for row in board.tables[0].rows]
    assert values == sorted(values, reverse=True) and all(row[4] >= 10 for row in board.tables[0].rows)
    one = await ask(rated, "!rating vid")
    assert one.data.guid == "D8423F90" and one.data.maps == 65 and one.images[0].data.startswith(b"\x89PNG")
    assert one.data.conservative == pytest.approx(one.data.mu - 3 * one.data.sigma)
    assert msgspec.json.encode(one.data)
    asked_blind = await ask(rated, "!rating")
    assert asked_blind.error and "!link" in asked_blind.description

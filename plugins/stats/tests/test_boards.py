"""Leaderboards and records on the real history: the names and figures a player checks by hand."""

from __future__ import annotations

from datetime import datetime

import pytest

from slomix.testing import CLI_ACTOR
from slomix_stats.queries import CATEGORIES, WINDOW_TOTALS

pytestmark = pytest.mark.anyio
NEWEST = datetime(2025, 10, 23, 23, 29, 50)  # the last file: 2025-10-23-232950-…


async def run(kernel, line):
    return await kernel.commands.dispatch(kernel, line, CLI_ACTOR)


async def test_dpm_leader_on_supply(history) -> None:
    reply = await run(history, "!leaderboard dpm map=supply")
    board = reply.data
    first = board.rows[0]
    assert (first.name, first.display, first.rounds) == ("carniee", "324.1", 8)
    assert board.rows[1].name == "bronze." and board.rows[1].display == "323.0"
    # 21 players played supply; the median of them played 5 rounds there: half qualify.
    assert (board.map, board.min_rounds, board.rule) == ("supply", 5, "at least 5 counted rounds")
    assert board.min_rounds_why == "the median player's rounds in this window"
    assert board.total == 13
    # Each row carries its K/D beside the board's value (carniee: 1.18 on supply).
    assert first.kd == 1.18
    # The predecessor's name answers the same.
    assert (await run(history, "!top_dpm map=supply")).data.rows == board.rows


async def test_periods_count_back_from_the_newest_round(history) -> None:
    season = (await run(history, "!lb games period=season")).data
    assert (season.period_title, season.since, season.until) == (
        "season 2025-Q4", datetime(2025, 10, 1), datetime(2026, 1, 1))
    assert (season.rows[0].name, season.rows[0].value) == ("vid", 131)
    recent = (await run(history, "!top_games period=30d")).data
    assert recent.since == datetime(2025, 9, 23, 23, 29, 50) and recent.until > NEWEST
    lifetime = (await run(history, "!lb games")).data
    assert (lifetime.period, lifetime.since, lifetime.rows[0].value) == ("all", None, 135)
    # Four of vid's 135 rounds were played before the season.
    assert lifetime.rows[0].value - season.rows[0].value == 4


async def test_default_minimum_keeps_boards_full(history) -> None:
    # All time, 24 players, median 15 rounds: the DPM board (big-community bar: over 50) asks 15.
    dpm = (await run(history, "!lb dpm")).data
    assert (dpm.min_rounds, dpm.total) == (15, 12)
    assert (dpm.rows[0].name, dpm.rows[0].display) == ("squAze:)", "367.1")
    # Kills keeps its own lower bar, more than 10 rounds.
    kills = (await run(history, "!lb kills")).data
    assert kills.min_rounds == 11 and kills.min_rounds_why.startswith("this board's most for a long history")
    # Asked for, the minimum is the asker's: everyone with a round is on the board.
    everyone = (await run(history, "!lb dpm min=1")).data
    assert (everyone.total, everyone.min_rounds_why) == (24, "as asked")
    for cat in CATEGORIES:
        for period in ("all", "season", "30d"):
            board = (await run(history, f"!lb {cat.name} period={period} map=supply")).data
            assert board.rows, (cat.name, period)


async def test_no_percentage_above_100(history) -> None:
    for name in ("accuracy", "headshots", "efficiency", "teamwork"):
        for period in ("all", "season", "30d"):
            board = await history.plugin("stats").obj.queries.leaderboard(name, per_page=100, min_rounds=1,
                                                                          period=period)
            assert board.rows and all(0 <= r.value <= 100 for r in board.rows), name


async def test_window_totals_equal_the_lifetime_view(history) -> None:
    """The window's aggregate (boards over a period or a map) and migration 0002's view agree."""
    pool = history.db.pool
    window = {r["guid"]: dict(r) for r in await pool.fetch(WINDOW_TOTALS, None, None, None)}
    columns = [c for c in next(iter(window.values())) if c != "guid"]
    view = {r["guid"]: dict(r) for r in await pool.fetch(
        f"SELECT guid, {', '.join(columns)} FROM stats.player_totals")}
    assert window == view


async def test_ranks_are_shared_by_equal_values(history) -> None:
    kills = (await run(history, "!lb kills 2")).data
    tied = [(r.rank, r.name, r.value) for r in kills.rows if r.value == 95]
    assert tied == [(12, "Cru3lzor", 95), (12, "BlackAdder", 95)]
    assert kills.rows[-1].rank == 14


async def test_filters_are_checked(history) -> None:
    assert "period must be one of all, season, 30d" in (await run(history, "!lb dpm period=week")).description
    assert "unknown filter 'colour'" in (await run(history, "!lb dpm colour=red")).description
    assert "min must be a whole number" in (await run(history, "!lb dpm min=0")).description
    nobody = await run(history, "!lb dpm map=no_such_map")
    assert not nobody.error and nobody.description.startswith("Nobody qualifies")


async def test_records_top_three_and_ties(history) -> None:
    reply = await run(history, "!records")
    kills = [r for r in reply.data["records"] if r.title == "Most kills in a round"]
    assert [(r.place, r.display, [h.name for h in r.holders]) for r in kills] == [
        (1, "31", ["carniee"]), (2, "30", ["SmetarskiProner"]), (3, "28", ["bronze.", "carniee"])]
    headshots = next(r for r in reply.data["records"] if r.title == "Most headshot kills in a round")
    # Two players reached 10 headshot kills, each twice: one line each, with the count.
    assert [(h.name, h.times) for h in headshots.holders] == [("carniee", 2), ("endekk", 2)]
    revives = next(r for r in reply.data["records"] if r.title == "Most revives in a round")
    assert (revives.display, revives.holders[0].name) == ("13", "vid")


async def test_records_of_one_map(history) -> None:
    reply = await run(history, "!records supply")
    top = reply.data["records"][0]
    assert (top.title, top.display, top.holders[0].name, top.holders[0].map) == (
        "Most kills in a round", "28", "carniee", "supply")
    assert all(h.map == "supply" for r in reply.data["records"] for h in r.holders)


async def test_fastest_attack_per_map(history) -> None:
    attacks = {a.map: a for a in (await run(history, "!records")).data["fastest"]}
    assert len(attacks) == 11  # every map with a completed attack
    # supply, 2025-10-14: the R1 attack was held for the full 12:00; the R2 attackers took 6:52.
    supply = attacks["supply"]
    assert (supply.display, supply.seconds, supply.round_number, supply.time_limit_seconds) == ("6:52", 412, 2, 720)
    assert {p.name for p in supply.attackers} == {"squAze:)", "vid", "endekk", "SmetarskiProner"}
    frostbite = attacks["frostbite"]
    assert (frostbite.display, {p.name for p in frostbite.attackers}) == ("1:21", {"'fnx", "(HBC)konrad!", "Bolek"})
    only = (await run(history, "!records etl_adlernest")).data["fastest"]
    assert [(a.map, a.display) for a in only] == [("etl_adlernest", "2:18")]

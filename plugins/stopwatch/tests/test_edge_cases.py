"""Edge cases on real files (some with edited headers) through the real stats plugin."""

from __future__ import annotations

import random

import pytest

from slomix_stats import api as stats_api
from slomix_stopwatch import refresh

pytestmark = pytest.mark.anyio

ADLER_R1 = "2025-10-14-212214-etl_adlernest-round-1.txt"  # Allies attack, done in 2:18
ADLER_R2 = "2025-10-14-212521-etl_adlernest-round-2.txt"  # held at 2:18
ESCAPE_R1 = "2025-10-14-220707-te_escape2-round-1.txt"    # done in 8:51
ESCAPE_R2 = "2025-10-14-221259-te_escape2-round-2.txt"    # done in 4:58


async def score(ask, kernel, session: str = "2025-10-14"):
    reply = await ask(kernel, f"!session_score {session}")
    assert not reply.error, reply.description
    return reply.data


async def test_fullhold_gives_the_completing_team_the_map(make_kernel, stats_dir, feed, ask) -> None:
    kernel = await make_kernel(plugins={"stats", "stopwatch"})
    await feed(kernel, [stats_dir / ADLER_R1, stats_dir / ADLER_R2])
    [m] = (await score(ask, kernel)).maps
    assert (m.r1_success, m.r2_success, m.r1_seconds, m.r2_seconds) == (True, False, 138, 138)
    assert (m.team1, m.points_a, m.points_b) == ("B", 0, 2)  # the Allies starters are team B
    assert m.description == "R1 completed in 2:18, R2 held"


async def test_double_fullhold_is_one_all(make_kernel, feed, ask, edited) -> None:
    kernel = await make_kernel(plugins={"stats", "stopwatch"})
    await feed(kernel, [edited(ADLER_R1, winner=1, target="10:00"),
                        edited(ADLER_R2, limit="10:00", target="10:00", winner=1)])
    result = await score(ask, kernel)
    [m] = result.maps
    assert (m.r1_success, m.r2_success, m.points_a, m.points_b) == (False, False, 1, 1)
    assert m.description == "double fullhold"
    assert (result.score, result.winner) == ("1\u20131", 0)


@pytest.mark.parametrize("webhook_first", [False, True])
async def test_surrender_means_the_attackers_failed(make_kernel, stats_dir, feed, ask, webhook, webhook_first) -> None:
    kernel = await make_kernel(plugins={"stats", "stopwatch"})
    # The header says the R1 attackers (Allies, side 2) completed; the webhook says they surrendered.
    surrender = webhook(ADLER_R1, winner=2, defender=1, end_reason="surrender", surrender_team=2,
                        actual_duration_seconds=130)
    files = [stats_dir / ADLER_R1, stats_dir / ADLER_R2]
    await feed(kernel, [surrender, *files] if webhook_first else [*files, surrender])
    [m] = (await score(ask, kernel)).maps
    assert (m.r1_success, m.r1_basis, m.r1_seconds) == (False, "surrender", 130)
    assert (m.points_a, m.points_b, m.description) == (1, 1, "double fullhold")


async def test_measured_durations_decide_who_was_faster(make_kernel, stats_dir, feed, ask, webhook) -> None:
    kernel = await make_kernel(plugins={"stats", "stopwatch"})
    await feed(kernel, [stats_dir / ESCAPE_R1, stats_dir / ESCAPE_R2])
    [m] = (await score(ask, kernel)).maps
    # Team B (the Allies starters) attacked first; team A beat their time.
    assert (m.r1_seconds, m.r2_seconds, m.team1, m.points_a, m.points_b) == (531, 298, "B", 2, 0)
    # The webhook measured R1 at 4:10 (pauses excluded) and R2 at 4:50: R1 was faster.
    await feed(kernel, [webhook(ESCAPE_R1, actual_duration_seconds=250),
                        webhook(ESCAPE_R2, actual_duration_seconds=290)])
    [m] = (await score(ask, kernel)).maps
    assert (m.r1_seconds, m.r2_seconds, m.points_a, m.points_b) == (250, 290, 0, 2)
    assert m.description == "both completed, R1 faster (4:10 vs 4:50)"


async def test_missing_webhook_data_falls_back_to_the_header(make_kernel, feed, ask, edited, webhook) -> None:
    kernel = await make_kernel(plugins={"stats", "stopwatch"})
    # R2's winner is unknown (f6 = 0) and no webhook came: its time at the limit means held.
    await feed(kernel, [edited(ADLER_R1), edited(ADLER_R2, winner=0)])
    [m] = (await score(ask, kernel)).maps
    assert (m.r2_success, m.r2_basis, m.points_b) == (False, "time", 2)
    # A webhook that carries nothing useful changes nothing.
    await feed(kernel, [webhook(ADLER_R2)])
    [again] = (await score(ask, kernel)).maps
    assert again == m
    # A webhook with the winner settles it.
    await feed(kernel, [webhook(ADLER_R2, winner=2, defender=1, actual_duration_seconds=120)])
    [m] = (await score(ask, kernel)).maps
    assert (m.r2_success, m.r2_basis, m.r2_seconds) == (True, "webhook", 120)
    assert (m.points_a, m.points_b, m.description) == (2, 0, "both completed, R2 faster (2:00 vs 2:18)")


async def test_orphan_r2_is_ignored_and_unfinished_maps_score_nothing(make_kernel, stats_dir, feed, ask) -> None:
    kernel = await make_kernel(plugins={"stats", "stopwatch"})
    await feed(kernel, sorted(stats_dir.glob("2025-10-12-*.txt")))
    result = await score(ask, kernel, "2025-10-12")
    assert [(m.map_name, m.match_id, m.finished) for m in result.maps] == [
        ("etl_adlernest", "2025-10-12-211804", False),  # R1 only
        ("te_escape2", "2025-10-12-221244", True),       # the 22:03 R2 before it is an orphan
        ("sw_goldrush_te", "2025-10-12-224530", True)]   # double fullhold
    assert [(m.points_a, m.points_b) for m in result.maps] == [(0, 0), (2, 0), (1, 1)]
    assert result.score == "3\u20131"
    # A lone orphan R2 is no gaming session at all (issue 14.11): nothing to score.
    kernel = await make_kernel(plugins={"stats", "stopwatch"})
    await feed(kernel, [stats_dir / "2025-10-12-220306-te_escape2-round-2.txt"])
    reply = await ask(kernel, "!session_score 2025-10-12")
    assert reply.error and reply.description == "no gaming session on 2025-10-12"


async def test_same_map_twice_counts_twice(make_kernel, stats_dir, feed, ask) -> None:
    kernel = await make_kernel(plugins={"stats", "stopwatch"})
    await feed(kernel, sorted(stats_dir.glob("2025-10-14-22[01]*.txt")))  # te_escape2 twice
    maps = (await score(ask, kernel)).maps
    assert [(m.map_name, m.match_id, m.points_a, m.points_b) for m in maps] == [
        ("te_escape2", "2025-10-14-220707", 2, 0), ("te_escape2", "2025-10-14-221625", 2, 0)]


async def test_restarted_r1_counts_once(make_kernel, stats_dir, feed, ask) -> None:
    kernel = await make_kernel(plugins={"stats", "stopwatch"})
    await feed(kernel, sorted(stats_dir.glob("2025-10-17-20*.txt")))  # supply R1, R1 again, R2
    [m] = (await score(ask, kernel, "2025-10-17-202140")).maps
    assert (m.match_id, m.r1_seconds, m.r2_success) == ("2025-10-17-203425", 462, False)


async def test_session_across_midnight(make_kernel, stats_dir, feed, ask) -> None:
    kernel = await make_kernel(plugins={"stats", "stopwatch"})
    await feed(kernel, sorted(stats_dir.glob("2025-10-19-23*.txt")) + sorted(stats_dir.glob("2025-10-20-*.txt")))
    night = await score(ask, kernel, "2025-10-19")
    assert [m.match_id for m in night.maps][-1] == "2025-10-19-235307"
    assert night.maps[-1].finished and night.session_end.isoformat() == "2025-10-20T00:00:43"
    # Asking by the time of the round after midnight finds the same session.
    assert (await score(ask, kernel, "2025-10-20-000043")).session_start == night.session_start
    # The date after stands for the session that started on it.
    assert (await score(ask, kernel, "2025-10-20")).session_start.isoformat() == "2025-10-20T21:39:31"


async def test_substitute_joins_the_team_of_the_player_he_replaced(make_kernel, stats_dir, feed, ask, edited) -> None:
    names = sorted(p.name for p in stats_dir.glob("2025-10-14-21*.txt"))  # adlernest, supply, sp_delivery
    kernel = await make_kernel(plugins={"stats", "stopwatch"})
    await feed(kernel, [stats_dir / n for n in names])
    before = (await ask(kernel, "!teams 2025-10-14")).data
    leaver = before.teams[1].guids[0]
    # From the second map on, a new GUID plays in the leaver's place.
    kernel = await make_kernel(plugins={"stats", "stopwatch"})
    await feed(kernel, [edited(n, guids={leaver: "5UB5717U"}) if i >= 2 else edited(n) for i, n in enumerate(names)])
    after = (await ask(kernel, "!teams 2025-10-14")).data
    assert set(after.teams[1].guids) == {*before.teams[1].guids, "5UB5717U"}
    assert after.teams[0].guids == before.teams[0].guids
    assert after.format == "4v5"


async def test_teams_grow_from_the_first_r1(make_kernel, stats_dir, feed, ask, edited) -> None:
    names = sorted(p.name for p in stats_dir.glob("2025-10-14-21*.txt"))
    kernel = await make_kernel(plugins={"stats", "stopwatch"})
    await feed(kernel, [stats_dir / n for n in names])
    full = (await ask(kernel, "!teams 2025-10-14")).data
    late = {full.teams[0].guids[0], full.teams[1].guids[0]}
    # The first R1 is a 3v3: one player of each team joins from the R2 on.
    kernel = await make_kernel(plugins={"stats", "stopwatch"})
    await feed(kernel, [edited(names[0], drop=late), *(edited(n) for n in names[1:])])
    grown = (await ask(kernel, "!teams 2025-10-14")).data
    assert [t.guids for t in grown.teams] == [t.guids for t in full.teams]
    assert grown.format == "4v4"


async def test_stale_roster_is_redetected(make_kernel, stats_dir, feed, ask) -> None:
    kernel = await make_kernel(plugins={"stats", "stopwatch"})
    await feed(kernel, [stats_dir / n for n in (ADLER_R1, ADLER_R2, ESCAPE_R1, ESCAPE_R2)])
    good = await score(ask, kernel)
    pool = kernel.db.pool
    # A roster and pins left from bots / another lineup share nobody with who played.
    await pool.execute("UPDATE stopwatch.session_teams SET guids = '{OMNIBOT1, OMNIBOT2}'")
    await pool.execute("UPDATE stopwatch.map_results SET points_a = 0, points_b = 0")
    await pool.executemany(
        "INSERT INTO stopwatch.player_pins (session_start, guid, team, pinned_by) VALUES ($1, $2, 'A', 'test')",
        [(good.session_start, "OMNIBOT1"), (good.session_start, "OMNIBOT2")])
    await refresh.refresh(pool, good.session_start)
    assert await score(ask, kernel) == good
    assert await pool.fetchval("SELECT count(*) FROM stopwatch.player_pins") == 0


async def test_order_of_arrival_changes_nothing(make_kernel, stats_dir, feed, stopwatch_dump) -> None:
    files = sorted(stats_dir.glob("2025-10-14-*.txt"))
    kernel = await make_kernel(plugins={"stats", "stopwatch"})
    await feed(kernel, files)
    expected = await stopwatch_dump(kernel.db.pool)
    assert len(expected["results"]) == 1 and len(expected["maps"]) == 12
    shuffled = files[:]
    random.Random(8).shuffle(shuffled)
    kernel = await make_kernel(plugins={"stats", "stopwatch"})
    await feed(kernel, shuffled)
    # Early arrivals made sessions of their own until the earlier rounds came: none is left over.
    assert await stopwatch_dump(kernel.db.pool) == expected


async def test_repeated_events_and_backfill_change_nothing(make_kernel, stats_dir, feed, stopwatch_dump) -> None:
    kernel = await make_kernel(plugins={"stats", "stopwatch"})
    await feed(kernel, sorted(stats_dir.glob("2025-10-15-*.txt")))
    pool = kernel.db.pool
    expected = await stopwatch_dump(pool)
    [session] = await stats_api.sessions(pool)
    for event in await stats_api.session_rounds(pool, session.start):
        kernel.emit("on_round", event=event)
    await kernel.settle()
    assert kernel.errors == {}
    assert await stopwatch_dump(pool) == expected
    # History imported while the stopwatch was off is scored by the backfill it schedules at start-up.
    await pool.execute("DELETE FROM stopwatch.session_results; DELETE FROM stopwatch.session_teams")
    assert "stopwatch.backfill" in [job.name for job in kernel.scheduler.jobs()]
    await kernel.scheduler.clock.advance(0)
    assert await stopwatch_dump(pool) == expected and kernel.errors == {}
    assert await refresh.backfill(pool) == 0


async def test_events_that_are_not_rounds_are_ignored(make_kernel) -> None:
    kernel = await make_kernel(plugins={"stats", "stopwatch"})
    kernel.emit("on_round", event={"id": 7})
    await kernel.settle()
    assert "stopwatch" not in kernel.errors

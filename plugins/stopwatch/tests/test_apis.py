"""The public read functions: those the stopwatch needs from ``slomix_stats.api`` and
``slomix_stopwatch.api`` that the dashboard's session page uses."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from slomix_stats import api
from slomix_stopwatch import api as stopwatch_api

pytestmark = pytest.mark.anyio


async def test_sessions_and_the_session_a_date_stands_for(make_kernel, stats_dir, feed) -> None:
    kernel = await make_kernel(plugins={"stats"})
    await feed(kernel, sorted(stats_dir.glob("2025-10-1[79]-*.txt")) + sorted(stats_dir.glob("2025-10-20-*.txt"))
               + [stats_dir / "2025-09-23-215543-etl_sp_delivery-round-2.txt"])
    pool = kernel.db.pool
    found = await api.sessions(pool)
    assert [(s.start.isoformat(), s.end.isoformat(), s.rounds, s.valid_rounds) for s in found] == [
        ("2025-10-20T21:39:31", "2025-10-20T23:56:26", 18, 18),
        ("2025-10-19T21:26:43", "2025-10-20T00:00:43", 24, 24),
        ("2025-10-17T22:51:45", "2025-10-17T23:26:50", 5, 5),
        ("2025-10-17T20:21:40", "2025-10-17T21:13:09", 5, 5),
        ("2025-09-23T21:55:43", "2025-09-23T21:55:43", 1, 0),  # a lone orphan R2
    ]
    assert [s.start.isoformat() for s in await api.sessions(pool, since=datetime(2025, 10, 20),
                                                                until=datetime(2025, 10, 20, 12))] == \
        ["2025-10-19T21:26:43"]  # the session still running after midnight
    assert len(await api.sessions(pool, limit=2)) == 2

    async def day(text: str) -> str | None:
        session = await api.session_for_date(pool, date.fromisoformat(text))
        return session.start.isoformat() if session else None

    assert await day("2025-10-17") == "2025-10-17T22:51:45"  # the later of two sessions that day
    assert await day("2025-10-20") == "2025-10-20T21:39:31"  # not the one from the night before
    assert await day("2025-09-23") is None  # only an orphan R2: no session a player would name (issue 14.11)
    assert await day("2025-10-18") is None


async def test_session_rounds_and_round_meta(make_kernel, stats_dir, feed, webhook) -> None:
    kernel = await make_kernel(plugins={"stats"})
    name = "2025-10-17-202140-supply-round-1.txt"
    await feed(kernel, [*sorted(stats_dir.glob("2025-10-17-20*.txt")),
                        webhook(name, actual_duration_seconds=700, end_reason="time_expired", winner=1, defender=1,
                                time_limit_minutes=12, surrender_team=0)])
    pool = kernel.db.pool
    [session] = await api.sessions(pool)
    rounds = await api.session_rounds(pool, session.start)
    assert [(r.match_id, r.round_number, r.status, r.is_valid, r.change) for r in rounds] == [
        ("2025-10-17-202140", 1, "substitution", True, "stored"),  # restarted with other players
        ("2025-10-17-203425", 1, "completed", True, "stored"),
        ("2025-10-17-203425", 2, "completed", True, "stored")]
    assert rounds[0].duration_seconds == 700 and rounds[0].duration_source == "measured"
    meta = await api.round_meta(pool, [r.round_id for r in rounds])
    assert list(meta) == [rounds[0].round_id]
    info = meta[rounds[0].round_id]
    assert (info.time_limit_seconds, info.actual_duration_seconds, info.end_reason, info.winner_team,
            info.defender_team, info.surrender_team) == (720, 700, "time_expired", 1, 1, 0)
    assert await api.session_rounds(pool, datetime(2020, 1, 1)) == []


async def test_public_api_by_session_start(make_kernel, stats_dir, feed) -> None:
    kernel = await make_kernel(plugins={"stats", "stopwatch"})
    await feed(kernel, sorted(stats_dir.glob("2025-10-12-*.txt")))
    pool = kernel.db.pool
    score = await stopwatch_api.session_score(pool, "2025-10-12")
    assert await stopwatch_api.session_score(pool, score.session_start) == score
    teams = await stopwatch_api.session_teams(pool)
    assert teams.session_start == score.session_start and [t.team for t in teams.teams] == ["A", "B"]
    with pytest.raises(stopwatch_api.NotFound):
        await stopwatch_api.session_score(pool, "2024-01-01")

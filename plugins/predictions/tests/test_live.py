"""A map as it happens: its first round makes a prediction (published only while the model beats
its baselines), its second round queues a rebuild job, and the job resolves the prediction."""

from __future__ import annotations

import anyio
import msgspec
import pytest

from slomix.kernel import hookimpl
from slomix.kernel.jobs.worker import work
from slomix_predictions import service, store
from slomix_predictions.plugin import REBUILD

pytestmark = pytest.mark.anyio

LAST_MAP = ("2025-10-23-232545-etl_frostbite-round-1.txt", "2025-10-23-232950-etl_frostbite-round-2.txt")
LIVE = {"predictions": {"announce": True, "announce_max_age_hours": 1e7, "rebuild_delay_seconds": 10}}


class Listener:
    def __init__(self) -> None:
        self.heard = []

    @hookimpl
    async def on_announce(self, announcement, kernel):
        self.heard.append(announcement)


async def _until_done(kernel, job_id: int) -> str:
    with anyio.fail_after(120):
        async with anyio.create_task_group() as tg:
            tg.start_soon(work, kernel, ["default"], 1)
            while (info := await kernel.jobs.get(job_id)).status in ("queued", "running"):  # noqa: ASYNC110 (a row)
                await anyio.sleep(0.1)
            tg.cancel_scope.cancel()
    return info.status


async def test_a_map_is_predicted_then_resolved(make_kernel, stats_dir, feed) -> None:
    listener = Listener()
    kernel = await make_kernel(plugins={"stats", "stopwatch", "predictions"}, config={"plugins": LIVE},
                               extra={"listener": ("plugin", listener)})
    history = [p for p in sorted(stats_dir.glob("*.txt")) if p.name not in LAST_MAP]
    await feed(kernel, history)
    await service.rebuild(kernel.db.pool)
    pool = kernel.db.pool

    # The first round: a prediction from the ratings so far, not published (the model does not beat Elo).
    await feed(kernel, [stats_dir / LAST_MAP[0]])
    row = await pool.fetchrow("SELECT * FROM predictions.predictions WHERE source = 'round' ORDER BY id DESC LIMIT 1")
    ratings = await service.current(pool)
    assert not await pool.fetchval("SELECT count(*) FROM predictions.maps WHERE r1_round_id = $1", row["r1_round_id"])
    assert row["map_name"] == "etl_frostbite" and row["outcome"] is None
    assert row["p_a"] == pytest.approx(ratings.win_probability(row["team_a"], row["team_b"],
                                                               await _round_time(pool, row["r1_round_id"])))
    assert not row["published"] and listener.heard == []

    # The second round: a rebuild is queued once the imports pause, and it resolves the prediction.
    await feed(kernel, [stats_dir / LAST_MAP[1]])
    assert await kernel.jobs.list(kind=REBUILD) == []
    await kernel.scheduler.clock.advance(11)
    [job] = await kernel.jobs.list(kind=REBUILD)
    assert await _until_done(kernel, job.id) == "succeeded"
    done = await pool.fetchrow("SELECT outcome, resolved_at FROM predictions.predictions WHERE id = $1", row["id"])
    points = await pool.fetchrow(
        "SELECT outcome, lineup_a FROM predictions.maps WHERE r1_round_id = $1", row["r1_round_id"])
    same_side = set(row["team_a"]) == set(points["lineup_a"])
    assert done["outcome"] == (points["outcome"] if same_side else 1 - points["outcome"])
    assert await pool.fetchval("SELECT count(*) FROM predictions.maps") == 71


async def test_a_model_that_beats_its_baselines_is_published(make_kernel, stats_dir, feed) -> None:
    listener = Listener()
    kernel = await make_kernel(plugins={"stats", "stopwatch", "predictions"}, config={"plugins": LIVE},
                               extra={"listener": ("plugin", listener)})
    await feed(kernel, sorted(stats_dir.glob("2025-10-22-*.txt")))
    await service.rebuild(kernel.db.pool)
    # Forge a record that beats every baseline: the gate opens.
    e = await store.evaluation(kernel.db.pool)
    better = msgspec.structs.replace(e, model=msgspec.structs.replace(e.model, log_loss=0.1))
    await kernel.db.pool.execute("UPDATE predictions.evaluation SET body = $1::jsonb",
                                 msgspec.json.encode(better).decode())
    await feed(kernel, [stats_dir / LAST_MAP[0]])
    [announcement] = listener.heard
    assert announcement.topic == "prediction" and announcement.key.startswith("prediction:")
    assert announcement.reply.title.startswith("etl_frostbite: ") and "%" in announcement.reply.title
    assert await kernel.db.pool.fetchval(
        "SELECT published FROM predictions.predictions WHERE map_name = 'etl_frostbite'") is True
    # The same round again (a re-sent file) predicts nothing twice.
    await feed(kernel, [stats_dir / LAST_MAP[0]])
    assert len(listener.heard) == 1


async def _round_time(pool, round_id: int):
    return await pool.fetchval("SELECT round_time FROM stats.rounds WHERE id = $1", round_id)


async def test_announced_teams_are_predicted_posted_and_resolved(make_kernel, stats_dir, feed) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from slomix_predictions import api

    listener = Listener()
    kernel = await make_kernel(plugins={"stats", "stopwatch", "predictions"}, config={"plugins": LIVE},
                               extra={"listener": ("plugin", listener)})
    await feed(kernel, sorted(stats_dir.glob("2025-10-22-*.txt")))
    await service.rebuild(kernel.db.pool)
    e = await store.evaluation(kernel.db.pool)
    better = msgspec.structs.replace(e, model=msgspec.structs.replace(e.model, log_loss=0.1))
    await kernel.db.pool.execute("UPDATE predictions.evaluation SET body = $1::jsonb",
                                 msgspec.json.encode(better).decode())
    # The voice channels split into frostbite's teams a few minutes before its first round.
    axis, allies = ["5D989160", "652EB4A6", "2B5938F5"], ["D8423F90", "7B84BE88", "EDBB5DA9"]
    formed = datetime(2025, 10, 23, 23, 18, tzinfo=ZoneInfo("Europe/Paris"))
    pid, p, posted = await api.predict_teams(kernel, allies, axis, by="voice", formed_at=formed)
    assert posted and listener.heard[-1].key == f"prediction:teams:{pid}"
    assert listener.heard[-1].reply.title.startswith("Teams are set: ")
    assert p == pytest.approx(await api.win_probability(kernel.db.pool, allies, axis))
    await feed(kernel, [stats_dir / name for name in LAST_MAP])
    await service.rebuild(kernel.db.pool)
    row = await kernel.db.pool.fetchrow("SELECT outcome, source FROM predictions.predictions WHERE id = $1", pid)
    m = await kernel.db.pool.fetchrow("SELECT outcome, lineup_a FROM predictions.maps WHERE map_name = 'etl_frostbite'"
                                      " ORDER BY played_at DESC LIMIT 1")
    assert row["source"] == "teams" and sorted(m["lineup_a"]) in (sorted(axis), sorted(allies))
    assert row["outcome"] == (m["outcome"] if sorted(m["lineup_a"]) == sorted(allies) else 1 - m["outcome"])

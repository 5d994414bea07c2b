"""The real ETTV demo through ``on_demo`` and the ``proximity.demo_tracks`` job, into PostgreSQL and the
commands; an unreadable demo quarantined with the library's reason; client demos left alone."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import pytest

from slomix.kernel import IncomingFile
from slomix.kernel.jobs.worker import work
from slomix.testing import CLI_ACTOR
from slomix_proximity import demotracks
from slomix_proximity.demoingest import JOB

pytestmark = pytest.mark.anyio

DEMO = "demo01_legacy.tv_84"
COUNTS = """SELECT (SELECT count(*) FROM proximity.files) AS files, (SELECT count(*) FROM proximity.rounds) AS rounds,
                   (SELECT count(*) FROM proximity.tracks) AS tracks, (SELECT count(*) FROM proximity.kills) AS kills,
                   (SELECT coalesce(sum(cardinality(t)), 0) FROM proximity.tracks) AS samples"""


@asynccontextmanager
async def working(kernel) -> AsyncIterator[None]:
    async with anyio.create_task_group() as tg:
        tg.start_soon(work, kernel, ["proximity"], 1)
        try:
            yield
        finally:
            tg.cancel_scope.cancel()


async def demo_job(kernel, path: Path):
    """Emit ``on_demo`` for ``path`` as the plugin storing demos does, run the job it queues, return it."""
    kernel.emit("on_demo", demo=IncomingFile(name=path.name, path=path, source="test"))
    await kernel.settle()
    assert kernel.errors == {}, kernel.errors
    [queued] = [j for j in await kernel.jobs.list(kind=JOB) if j.status == "queued"]
    async with working(kernel):
        with anyio.fail_after(60):
            while (job := await kernel.jobs.get(queued.id)).status in ("queued", "running"):  # noqa: ASYNC110
                await anyio.sleep(0.05)
    return job


async def ask(kernel, line: str):
    reply = await kernel.commands.dispatch(kernel, line, CLI_ACTOR)
    assert not reply.error, reply.description
    return reply


@pytest.fixture
def stored(shared_data: Path, tmp_path: Path) -> Path:
    """The demo where the plugin storing demos put it."""
    path = tmp_path / "demos" / DEMO
    path.parent.mkdir()
    shutil.copy(shared_data / "demos" / DEMO, path)
    return path


async def test_the_ettv_demo_becomes_tracks_heatmaps_and_engagements(make_kernel, stored) -> None:
    kernel = await make_kernel(plugins={"stats", "proximity"})
    job = await demo_job(kernel, stored)
    assert (job.status, job.progress, job.attempts) == ("succeeded", 100.0, 1)
    assert job.message == "adlernest R1: 6087 samples, 47 kills; waiting for its stats round"
    assert dict(await kernel.db.pool.fetchrow(COUNTS)) == {
        "files": 1, "rounds": 1, "tracks": 11, "kills": 47, "samples": 6087}
    line = await kernel.db.pool.fetchrow("SELECT source, map_name, round_number, duration_ms, capabilities, "
                                         "stats_round_id FROM proximity.rounds")
    assert dict(line) == {"source": "demo", "map_name": "adlernest", "round_number": 1, "duration_ms": 156_000,
                          "capabilities": ["kills", "samples", "view"], "stats_round_id": None}
    # Kills as the demo holds them: UDT's 44 and the 3 it misses; 3 of them self-kills.
    assert [tuple(r) for r in await kernel.db.pool.fetch(
        "SELECT kind, count(*) FROM proximity.kills GROUP BY kind ORDER BY kind")] == [("enemy", 44), ("self", 3)]

    heat = await ask(kernel, "!heatmap adlernest")
    assert [i.data[:8] for i in heat.images] == [b"\x89PNG\r\n\x1a\n"] * 3
    assert heat.data["rounds"] == 1 and heat.data["totals"]["kills"] == "44"
    engagements = (await ask(kernel, "!engagements")).data
    assert (engagements.rounds, engagements.kills, engagements.enemy_kills) == (1, 47, 44)
    assert engagements.engagements == 44 and engagements.won == 44  # no hits in a demo: each kill a fight
    # A demo-only player is found by the name the demo gives.
    xdd = (await ask(kernel, "!engagements xdd")).data
    assert xdd.kills == 9 and {o.name for o in xdd.opponents} == {"xdd"}
    crossfire = await ask(kernel, "!crossfire")
    assert crossfire.description.startswith("Not recorded")

    # The same demo again (stored again, or a second on_demo): nothing changes.
    again = await demo_job(kernel, stored)
    assert (again.status, again.message) == ("succeeded", f"already read as {DEMO}")
    assert dict(await kernel.db.pool.fetchrow(COUNTS))["kills"] == 47


async def test_an_unreadable_demo_is_quarantined_with_the_library_s_reason(make_kernel, stored) -> None:
    kernel = await make_kernel(plugins={"stats", "proximity"})
    damaged = stored.with_name("broken.tv_84")
    damaged.write_bytes(b"not a demo " * 20)
    job = await demo_job(kernel, damaged)
    reason = f"{damaged}: offset 0, message 0: record length 1701060705 outside 0..32768"
    assert (job.status, job.message) == ("succeeded", reason)  # nothing to retry: the file is as it is
    row = await kernel.db.pool.fetchrow("SELECT name, status, reason, data FROM proximity.files")
    assert dict(row) == {"name": "broken.tv_84", "status": "quarantined", "reason": reason, "data": None}
    assert await kernel.db.pool.fetchval("SELECT count(*) FROM proximity.rounds") == 0
    files = (await ask(kernel, "!engagements")).data
    assert files.kills == 0


async def test_client_demos_are_left_alone(make_kernel, stored: Path, shared_data: Path) -> None:
    kernel = await make_kernel(plugins={"stats", "proximity"})
    own = stored.with_name("scores_test.dm_84")
    shutil.copy(shared_data / "demos" / own.name, own)
    kernel.emit("on_demo", demo=IncomingFile(name=own.name, path=own, source="test"))
    await kernel.settle()
    assert await kernel.jobs.list(kind=JOB) == []  # a player's own demo sees only what they saw


def test_names_of_the_real_demo_are_keys_of_their_own() -> None:
    assert demotracks.name_key("xdd") == demotracks.name_key("XDD ") != demotracks.name_key("[BOT]Halfwit")


def test_proximity_parse_shows_what_a_demo_would_give(shared_data: Path) -> None:
    from slomix_proximity.cli import demo_summaries

    [line] = demo_summaries(shared_data / "demos" / DEMO, "Europe/Paris")
    assert {k: line[k] for k in ("source", "map", "round", "duration_ms", "players", "samples", "kills", "damage",
                                 "engagements", "crossfires")} == {
        "source": "demo", "map": "adlernest", "round": 1, "duration_ms": 156_000, "players": 11, "samples": 6087,
        "kills": 47, "damage": 0, "engagements": 44, "crossfires": None}

"""Demos beside the stats files: ``slomix import`` and the SFTP poller hand them to on_file; they are
stored at backfill priority, a fresh upload outranks them, and a bad one is quarantined."""

from __future__ import annotations

import anyio
import pytest
from greatshot_helpers import until_idle, working

from slomix.kernel import CLI_ACTOR, IncomingFile

pytestmark = pytest.mark.anyio

NAMES = ["demo01_legacy.tv_84", "etpro_capture_test.dm_84", "scores_test.dm_84"]


async def test_import_stores_demos_quarantines_a_bad_one_and_counts_each_once(make_kernel, shared_data, tmp_path):
    kernel = await make_kernel(plugins={"stats", "greatshot"})
    bad = tmp_path / "2024-01-01-000000-broken.dm_84"
    bad.write_bytes((shared_data / "demos" / "scores_test.dm_84").read_bytes()[:40_000])
    files = [IncomingFile(name=n, path=shared_data / "demos" / n, source="import") for n in NAMES]
    stats_file = shared_data / "stats" / "2025-10-14-212214-etl_adlernest-round-1.txt"
    files += [IncomingFile(name=bad.name, path=bad, source="import"),
              IncomingFile(name=stats_file.name, path=stats_file, source="import")]
    outcomes = await kernel.ingest_many(files)
    mine = [[o for plugin, o in found if plugin == "greatshot"] for found in outcomes]
    assert [o[0].status if o else None for o in mine] == ["stored", "stored", "stored", "quarantined", None]
    assert "broken.dm_84: truncated: 3 stray byte(s) at offset 39997" in mine[3][0].detail
    assert (kernel.config.data_dir / "greatshot" / mine[3][0].detail.split("kept as ")[1].rstrip(")")).exists()
    rows = await kernel.db.pool.fetch("SELECT filename, source, uploader FROM greatshot.demos ORDER BY id")
    assert [tuple(r) for r in rows] == [(n, "import", "import") for n in NAMES]
    jobs = await kernel.jobs.list(kind="greatshot.analyse")
    assert sorted(j.priority for j in jobs) == [0, 0, 0]  # a backfill
    again = await kernel.ingest_many(files[:3])
    assert [[o.status for p, o in found if p == "greatshot"] for found in again] == [["duplicate"]] * 3
    # The stats file went to the stats plugin as before.
    assert await kernel.db.pool.fetchval("SELECT count(*) FROM stats.rounds") == 1


async def test_a_fresh_upload_outranks_a_backfill_and_highlights_list_their_files(make_kernel, shared_data):
    kernel = await make_kernel(plugins={"stats", "greatshot"}, config={"plugins": {"greatshot": {"render_top": 1}}})
    service = kernel.pm.get_plugin("greatshot").service
    for name in NAMES[1:]:
        await kernel.ingest(IncomingFile(name=name, path=shared_data / "demos" / name, source="import"))
    uploaded = await service.accept(shared_data / "demos" / NAMES[0], NAMES[0], uploader="discord:7", source="upload",
                                    priority=10)
    async with working(kernel, concurrency=1):
        await until_idle(kernel)
    order = await kernel.db.pool.fetch(
        "SELECT id FROM slomix.jobs WHERE kind = 'greatshot.analyse' ORDER BY started_at")
    assert order[0]["id"] == uploaded.job_id  # queued last, run first
    reply = await kernel.commands.dispatch(kernel, "!highlights", CLI_ACTOR)
    rendered = [h for h in reply.data if h["video"]]
    assert len(rendered) == 3  # the best of each demo (render_top = 1)
    root = str(kernel.config.data_dir / "greatshot")
    for h in rendered:
        assert h["clip"].startswith(root) and h["clip"].endswith(f"clips/{h['id']}.dm_84")
        assert h["video"].startswith(root) and h["preview"].endswith(f"videos/{h['id']}.webp")
    reply = await kernel.commands.dispatch(kernel, "!demos", CLI_ACTOR)
    assert sorted((d["filename"], d["kill_count"]) for d in reply.data) == [
        ("demo01_legacy.tv_84", 47), ("etpro_capture_test.dm_84", 6), ("scores_test.dm_84", 9)]


async def test_a_demo_stored_without_its_analysis_gets_one_at_start(make_kernel, shared_data) -> None:
    kernel = await make_kernel(plugins={"stats", "greatshot"})
    name = NAMES[1]
    await kernel.ingest(IncomingFile(name=name, path=shared_data / "demos" / name, source="import"))
    # As if the process stopped between storing the demo and queueing its analysis.
    [job] = await kernel.jobs.list(kind="greatshot.analyse")
    await kernel.jobs.cancel(job.id)
    await kernel.db.pool.execute("DELETE FROM greatshot.demo_jobs")
    service = kernel.pm.get_plugin("greatshot").service
    [demo_id] = await service.recover()
    assert await service.recover() == []  # once
    jobs = await kernel.jobs.list(kind="greatshot.analyse", status="queued")
    assert [(j.priority, j.enqueued_by) for j in jobs] == [(0, "import")]
    assert await kernel.db.pool.fetchval("SELECT demo_id FROM greatshot.demo_jobs") == demo_id


@pytest.mark.parametrize("command", ["cp {demo} {video}", "sh -c 'echo no video; exit 3'"])
async def test_the_optional_game_renderer_runs_its_command_on_the_clip(make_kernel, shared_data, command) -> None:
    kernel = await make_kernel(plugins={"stats", "greatshot"},
                               config={"plugins": {"greatshot": {"render_command": command}}})
    name = NAMES[1]  # the ETPro demo: one highlight, the recorder's spree
    await kernel.ingest(IncomingFile(name=name, path=shared_data / "demos" / name, source="import"))
    async with working(kernel):
        await until_idle(kernel)
    [h] = (await kernel.commands.dispatch(kernel, "!highlights", CLI_ACTOR)).data
    [job] = await kernel.jobs.list(kind="greatshot.game_render")
    if command.startswith("cp"):
        assert job.status == "succeeded"
        assert h["game_video"].endswith(f"videos/{h['id']}.game.mp4")
        # {demo} was the clip, and what the command wrote to {video} was kept.
        assert await anyio.Path(h["game_video"]).read_bytes() == await anyio.Path(h["clip"]).read_bytes()
    else:
        assert job.status == "failed" and "render command exited 3 without a video" in job.error
        assert h["game_video"] is None and h["video"] is not None  # the top-down render stands


async def test_the_community_hears_when_a_demos_highlights_are_ready(make_kernel, shared_data) -> None:
    from slomix.kernel import hookimpl

    class Channel:
        def __init__(self) -> None:
            self.heard = []

        @hookimpl
        async def on_announce(self, announcement):
            self.heard.append(announcement)

    channel = Channel()
    kernel = await make_kernel(plugins={"stats", "greatshot"}, extra={"channel": ("plugin", channel)})
    name = NAMES[2]  # scores_test: Nohope's multi-kill and spree, three trades
    await kernel.ingest(IncomingFile(name=name, path=shared_data / "demos" / name, source="import"))
    async with working(kernel):
        await until_idle(kernel)
    [heard] = channel.heard  # once, when the last render is done
    assert (heard.topic, heard.key) == ("greatshot", "greatshot:demo:1")
    assert heard.reply.title == "Highlights ready: scores_test.dm_84 (adlernest)"
    assert heard.reply.description.splitlines()[:2] == ["- [BOT]Nohope: multi-kill (3 kills)",
                                                        "- [BOT]Nohope: spree (4 kills)"]
    [image] = heard.reply.images
    assert image.content_type == "image/webp" and image.data[8:12] == b"WEBP"


async def test_a_demo_damaged_inside_fails_its_analysis_naming_the_place(make_kernel, shared_data, tmp_path) -> None:
    kernel = await make_kernel(plugins={"stats", "greatshot"})
    data = bytearray((shared_data / "demos" / NAMES[2]).read_bytes())
    data[9:4000] = bytes(len(data[9:4000]))  # the gamestate's payload zeroed, its framing intact
    damaged = tmp_path / "damaged.dm_84"
    damaged.write_bytes(bytes(data))
    [[(_, outcome)]] = await kernel.ingest_many([IncomingFile(name=damaged.name, path=damaged, source="import")])
    assert outcome.status == "stored"  # the framing is sound: only reading it tells
    async with working(kernel):
        await until_idle(kernel)
    row = await kernel.db.pool.fetchrow("SELECT status, error FROM greatshot.demos")
    assert row["status"] == "failed"
    assert row["error"].startswith("damaged.dm_84: ") and "offset 0" in row["error"] and "message 0" in row["error"]
    [job] = await kernel.jobs.list(kind="greatshot.analyse")
    assert job.status == "succeeded" and job.attempts == 1  # a bad file is not retried


async def test_an_analysis_retried_after_its_commit_queues_what_follows_once(make_kernel, shared_data) -> None:
    from slomix.kernel import Job
    from slomix_greatshot import pipeline

    kernel = await make_kernel(plugins={"stats", "greatshot"}, config={"plugins": {"greatshot": {"render_top": 2}}})
    name = NAMES[2]
    await kernel.ingest(IncomingFile(name=name, path=shared_data / "demos" / name, source="import"))
    service = kernel.pm.get_plugin("greatshot").service
    [info] = await kernel.jobs.list(kind="greatshot.analyse")

    def attempt(number: int) -> Job:  # the job as a worker hands it to the handler, attempt by attempt
        return Job(id=info.id, kind=kernel.jobs.kind("greatshot.analyse"), payload={"demo_id": 1}, attempt=number,
                   enqueued_by="import", kernel=kernel)

    await pipeline.analyse(service, attempt(1))
    await kernel.db.pool.execute("DELETE FROM greatshot.demo_jobs WHERE stage <> 'analyse'")  # as if it died here
    await pipeline.analyse(service, attempt(2))
    await pipeline.analyse(service, attempt(3))
    stages = await kernel.db.pool.fetch(
        "SELECT stage, count(*) AS n FROM greatshot.demo_jobs GROUP BY stage ORDER BY stage")
    assert [(r["stage"], r["n"]) for r in stages] == [("analyse", 1), ("clip", 2), ("render", 2)]
    assert await kernel.db.pool.fetchval("SELECT count(*) FROM greatshot.highlights") == 5  # stored once

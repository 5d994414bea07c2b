"""Durable jobs on PgQueuer: enqueue, run, progress, retries with backoff, timeouts, cancellation,
priorities, keys, a shutdown that puts jobs back, and ``slomix worker`` processes killed with SIGKILL
whose job another worker finishes with its effect committed exactly once."""

from __future__ import annotations

import importlib
import json
import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import metadata
from pathlib import Path

import anyio
import pytest
from pgqueuer.adapters.persistence import schema_ddl

from slomix.kernel import JobKind, hookimpl
from slomix.kernel.jobs.queue import SETTINGS
from slomix.kernel.jobs.worker import work

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[1]

PLUGIN = '''
"""Job kinds for tests/test_jobs.py; each attempt is recorded in jobtest.attempts."""

import anyio

from slomix.kernel import JobKind, MigrationSet, hookimpl


async def record(job, kind):
    await job.kernel.db.pool.execute(
        "INSERT INTO jobtest.attempts (job_id, kind, attempt, payload) VALUES ($1, $2, $3, $4)",
        job.id, kind, job.attempt, job.payload)


async def echo(job):
    await job.progress(50, "halfway")
    await record(job, "echo")


async def flaky(job):
    await record(job, "flaky")
    if job.attempt < job.payload["succeed_on"]:
        raise RuntimeError(f"attempt {job.attempt} failed")


async def nap(job):
    await record(job, "nap")
    await job.progress(10, "napping")
    await anyio.sleep(job.payload["seconds"])


async def stubborn(job):
    """Naps, and when stopped takes a while to clean up (a render closing its files)."""
    try:
        await nap(job)
    finally:
        with anyio.CancelScope(shield=True):
            await anyio.sleep(job.payload["cleanup"])


async def effect(job):
    await record(job, "effect")
    hang = job.payload.get("hang")
    if hang == "before" and job.attempt == 1:
        await anyio.sleep(3600)
    async with job.kernel.db.pool.acquire() as conn, job.once(conn):
        await conn.execute("INSERT INTO jobtest.effects (job_id) VALUES ($1)", job.id)
    if hang == "after" and job.attempt == 1:
        await anyio.sleep(3600)


class JobTestPlugin:
    @hookimpl
    def on_migrations(self):
        return MigrationSet(schema="jobtest", package="slomix_jobtest.migrations")

    @hookimpl
    def on_jobs(self, kernel):
        return [
            JobKind("jobtest.echo", echo, queue="jobtest"),
            JobKind("jobtest.flaky", flaky, queue="jobtest", retries=2, backoff_seconds=0.05),
            JobKind("jobtest.nap", nap, queue="jobtest", retries=0),
            JobKind("jobtest.short_nap", nap, queue="jobtest", timeout=0.3, retries=0),
            JobKind("jobtest.stubborn", stubborn, queue="jobtest", retries=0),
            JobKind("jobtest.effect", effect, queue="jobtest", retries=2, backoff_seconds=0.05),
            JobKind("jobtest.other", echo, queue="elsewhere"),
        ]
'''

MIGRATION = """
CREATE TABLE attempts (job_id bigint, kind text, attempt int, payload jsonb, at timestamptz DEFAULT clock_timestamp());
CREATE TABLE effects (job_id bigint, at timestamptz DEFAULT clock_timestamp());
"""


@pytest.fixture(scope="session")
def jobtest_plugin(tmp_path_factory) -> dict[str, Path]:
    """The test plugin as a package (``pkg``) and its entry point (``meta``, only for subprocesses: this
    process registers it by hand, so other kernels of the test run never discover it)."""
    base = tmp_path_factory.mktemp("jobtest")
    package = base / "pkg" / "slomix_jobtest"
    (package / "migrations").mkdir(parents=True)
    (package / "__init__.py").write_text(textwrap.dedent(PLUGIN))
    (package / "migrations" / "__init__.py").write_text("")
    (package / "migrations" / "0001_jobtest.sql").write_text(MIGRATION)
    dist = base / "meta" / "slomix_jobtest-0.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: slomix-jobtest\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[slomix.plugins]\njobtest = slomix_jobtest:JobTestPlugin\n")
    sys.path.insert(0, str(base / "pkg"))
    return {"pkg": base / "pkg", "meta": base / "meta"}


@pytest.fixture
async def jobs_kernel(make_kernel, jobtest_plugin):
    module = importlib.import_module("slomix_jobtest")
    return await make_kernel(plugins=set(), extra={"jobtest": ("plugin", module.JobTestPlugin())},
                             config={"slomix": {"jobs": {"heartbeat_seconds": 1}}})


@asynccontextmanager
async def working(kernel, *queues: str, concurrency: int = 2) -> AsyncIterator[None]:
    async with anyio.create_task_group() as tg:
        tg.start_soon(work, kernel, list(queues) or None, concurrency)
        try:
            yield
        finally:
            tg.cancel_scope.cancel()


async def until(kernel, job_id: int, *statuses: str, within: float = 20):
    with anyio.fail_after(within):
        while (job := await kernel.jobs.get(job_id)).status not in statuses:  # noqa: ASYNC110 (a row, not an event)
            await anyio.sleep(0.02)
    return job


async def attempts(kernel, job_id: int) -> list[tuple]:
    rows = await kernel.db.pool.fetch("SELECT kind, attempt, payload FROM jobtest.attempts WHERE job_id = $1"
                                      " ORDER BY at", job_id)
    return [tuple(r) for r in rows]


async def test_hook_on_jobs(make_kernel, jobtest_plugin) -> None:
    module = importlib.import_module("slomix_jobtest")

    class Thief:
        @hookimpl
        def on_jobs(self, kernel):
            async def run(job):
                return None
            return [JobKind("jobtest.echo", run), JobKind("thief.own", run, queue="thief")]

    kernel = await make_kernel(plugins=set(), extra={"jobtest": ("plugin", module.JobTestPlugin()),
                                                     "thief": ("plugin", Thief())})
    kinds = kernel.jobs.kinds  # pluggy asks the plugin registered last first: the thief wins the name
    assert kinds["jobtest.echo"].plugin == "thief" and kinds["jobtest.flaky"].plugin == "jobtest"
    assert "on_jobs: ValueError: job kind 'jobtest.echo' is already declared by 'thief'" in kernel.errors["jobtest"][0]
    assert kernel.jobs.queues() == ["default", "elsewhere", "jobtest", "thief"]
    job_id = await kernel.jobs.enqueue("thief.own", by="test")
    async with working(kernel, "thief"):
        assert (await until(kernel, job_id, "succeeded")).worker.endswith(":thief")


def test_the_queue_schema_is_pgqueuer_s_own_install_for_this_version() -> None:
    # A PgQueuer upgrade that changes its schema fails here: write the upgrade as a new migration.
    migration = ROOT / "slomix" / "kernel" / "migrations" / "0002_pgqueuer.sql"
    assert migration.read_text() == schema_ddl.render_install(SETTINGS, create_schema=False)


async def test_a_job_runs_with_progress_and_its_record(jobs_kernel) -> None:
    kernel = jobs_kernel
    job_id = await kernel.jobs.enqueue("jobtest.echo", {"n": 7}, by="discord:42")
    queued = await kernel.jobs.get(job_id)
    assert (queued.status, queued.kind, queued.queue, queued.enqueued_by, queued.attempts, queued.max_attempts) == (
        "queued", "jobtest.echo", "jobtest", "discord:42", 0, 4)
    async with working(kernel):
        done = await until(kernel, job_id, "succeeded")
    assert (done.attempts, done.progress, done.message, done.error) == (1, 100.0, "halfway", None)
    assert done.worker.endswith(":jobtest") and done.started_at <= done.finished_at
    assert await attempts(kernel, job_id) == [("echo", 1, {"n": 7})]
    summary = (await kernel.health())["jobs"]
    assert summary["succeeded_today"] == 1 and summary["queued"] == summary["running"] == 0


async def test_failures_are_tried_again_with_backoff_then_recorded(jobs_kernel) -> None:
    kernel = jobs_kernel
    recovers = await kernel.jobs.enqueue("jobtest.flaky", {"succeed_on": 3})
    hopeless = await kernel.jobs.enqueue("jobtest.flaky", {"succeed_on": 99})
    async with working(kernel):
        ok = await until(kernel, recovers, "succeeded")
        failed = await until(kernel, hopeless, "failed")
    assert (ok.attempts, ok.error) == (3, None)
    assert (failed.attempts, failed.error) == (3, "RuntimeError: attempt 3 failed")
    assert [a[1] for a in await attempts(kernel, hopeless)] == [1, 2, 3]
    summary = (await kernel.health())["jobs"]
    assert summary["failed_today"] == 1 and summary["recent_failures"][0]["error"] == failed.error


async def test_an_attempt_over_its_timeout_fails(jobs_kernel) -> None:
    kernel = jobs_kernel
    job_id = await kernel.jobs.enqueue("jobtest.short_nap", {"seconds": 30})
    async with working(kernel):
        job = await until(kernel, job_id, "failed")
    assert (job.attempts, job.error) == (1, "timed out after 0.3 s")


async def test_a_running_job_is_cancelled_and_a_queued_one_never_runs(jobs_kernel) -> None:
    kernel = jobs_kernel
    running = await kernel.jobs.enqueue("jobtest.nap", {"seconds": 60})
    async with working(kernel):
        job = await until(kernel, running, "running")
        assert job.progress in (None, 10.0)
        assert await kernel.jobs.cancel(running)
        with anyio.fail_after(10):  # the handler is interrupted, not left to nap
            while await kernel.db.pool.fetchval("SELECT count(*) FROM slomix.pgqueuer WHERE id = $1",  # noqa: ASYNC110
                                                running):
                await anyio.sleep(0.05)
    assert (await kernel.jobs.get(running)).status == "cancelled"
    assert not await kernel.jobs.cancel(running)  # finished: nothing to cancel
    queued = await kernel.jobs.enqueue("jobtest.echo", {})
    assert await kernel.jobs.cancel(queued)
    async with working(kernel):
        await anyio.sleep(0.5)
    assert (await kernel.jobs.get(queued)).status == "cancelled" and await attempts(kernel, queued) == []


async def test_a_cancel_while_the_worker_stops_is_not_undone_by_the_requeue(jobs_kernel) -> None:
    """A stopping worker puts its interrupted job back in the queue; a cancel that lands meanwhile wins."""
    kernel = jobs_kernel
    job_id = await kernel.jobs.enqueue("jobtest.stubborn", {"seconds": 60, "cleanup": 1.0})
    worker = anyio.CancelScope()

    async def run_worker() -> None:
        with worker:
            await work(kernel, None, 2)

    async with anyio.create_task_group() as tg:
        tg.start_soon(run_worker)
        await until(kernel, job_id, "running")
        worker.cancel()  # the handler is interrupted and cleans up for a second
        await anyio.sleep(0.2)
        assert await kernel.jobs.cancel(job_id)
    job = await kernel.jobs.get(job_id)
    assert (job.status, job.attempts) == ("cancelled", 1)
    async with working(kernel):
        await anyio.sleep(0.5)
    assert (await kernel.jobs.get(job_id)).status == "cancelled" and len(await attempts(kernel, job_id)) == 1


async def test_higher_priority_first_and_a_key_is_one_job(jobs_kernel) -> None:
    kernel = jobs_kernel
    low = await kernel.jobs.enqueue("jobtest.echo", {"p": "low"}, priority=1)
    high = await kernel.jobs.enqueue("jobtest.echo", {"p": "high"}, priority=9)
    keyed = await kernel.jobs.enqueue("jobtest.echo", {"p": "keyed"}, key="render:7")
    assert await kernel.jobs.enqueue("jobtest.echo", {"p": "again"}, key="render:7") == keyed
    async with working(kernel, concurrency=1):
        for job_id in (low, high, keyed):
            await until(kernel, job_id, "succeeded")
    order = [r["payload"]["p"] for r in await kernel.db.pool.fetch("SELECT payload FROM jobtest.attempts ORDER BY at")]
    assert order == ["high", "low", "keyed"]
    assert await kernel.jobs.enqueue("jobtest.echo", {"p": "new"}, key="render:7") != keyed  # the first is done
    with pytest.raises(LookupError, match=r"no job kind 'jobtest\.nope'"):
        await kernel.jobs.enqueue("jobtest.nope")


async def test_a_stopping_worker_puts_its_job_back_without_counting_the_attempt(jobs_kernel) -> None:
    kernel = jobs_kernel
    job_id = await kernel.jobs.enqueue("jobtest.nap", {"seconds": 60})
    async with working(kernel):
        await until(kernel, job_id, "running")
    job = await kernel.jobs.get(job_id)
    assert (job.status, job.attempts) == ("queued", 0)
    assert await kernel.db.pool.fetchval("SELECT status::text FROM slomix.pgqueuer WHERE id = $1", job_id) == "queued"


def cli_env(url: str, plugin: dict[str, Path], tmp_path: Path) -> dict[str, str]:
    """The environment of a ``slomix`` process on the test database with only the test plugin enabled."""
    config = tmp_path / "slomix.toml"
    if not config.exists():
        disabled = [f"[{kind}s.{ep.name}]\nenabled = false\n" for kind, group in
                    (("plugin", "slomix.plugins"), ("adapter", "slomix.adapters"))
                    for ep in metadata.entry_points(group=group) if ep.name != "jobtest"]
        config.write_text("[slomix.jobs]\nheartbeat_seconds = 1\n\n" + "\n".join(disabled))
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLOMIX")}
    env.update(SLOMIX_DATABASE_URL=url, SLOMIX_CONFIG=str(config),
               PYTHONPATH=os.pathsep.join([str(plugin["pkg"]), str(plugin["meta"])]))
    return env


def worker_process(url: str, plugin: dict[str, Path], tmp_path: Path) -> subprocess.Popen:
    """A real ``slomix worker``, one job at a time."""
    return subprocess.Popen([sys.executable, "-m", "slomix.cli", "worker", "--queue", "jobtest", "--concurrency", "1"],
                            cwd=tmp_path, env=cli_env(url, plugin, tmp_path), stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


@pytest.mark.parametrize("hang", ["before", "after"])
async def test_a_killed_worker_s_job_is_finished_by_another_with_its_effect_once(jobs_kernel, jobtest_plugin,
                                                                                tmp_path, hang) -> None:
    kernel = jobs_kernel
    job_id = await kernel.jobs.enqueue("jobtest.effect", {"hang": hang})
    first = worker_process(kernel.db.url, jobtest_plugin, tmp_path)
    second = None
    try:
        with anyio.fail_after(60):  # the first attempt reached the point where it hangs
            while not (await kernel.db.pool.fetchval(
                    "SELECT count(*) FROM jobtest.effects WHERE job_id = $1" if hang == "after" else
                    "SELECT count(*) FROM jobtest.attempts WHERE job_id = $1", job_id)):
                assert first.poll() is None, first.stderr.read()
                await anyio.sleep(0.05)
        first.send_signal(signal.SIGKILL)
        first.wait()
        assert (await kernel.jobs.get(job_id)).status == "running"  # as the dead worker left it
        second = worker_process(kernel.db.url, jobtest_plugin, tmp_path)
        job = await until(kernel, job_id, "succeeded", "failed", within=60)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(30)
    assert (job.status, job.attempts, job.error) == ("succeeded", 2, None)
    assert [a[1] for a in await attempts(kernel, job_id)] == [1, 2]
    assert await kernel.db.pool.fetchval("SELECT count(*) FROM jobtest.effects WHERE job_id = $1", job_id) == 1
    assert await kernel.db.pool.fetchval("SELECT count(*) FROM slomix.job_effects WHERE job_id = $1", job_id) == 1


async def test_the_jobs_command_lists_and_cancels(jobs_kernel, jobtest_plugin, tmp_path) -> None:
    kernel = jobs_kernel
    job_id = await kernel.jobs.enqueue("jobtest.echo", {"n": 1}, by="discord:7")
    env = cli_env(kernel.db.url, jobtest_plugin, tmp_path) | {"COLUMNS": "200"}

    def slomix(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "slomix.cli", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=120)

    listed = await anyio.to_thread.run_sync(slomix, "jobs", "--json")
    assert listed.returncode == 0, listed.stderr
    [entry] = json.loads(listed.stdout)
    assert (entry["id"], entry["kind"], entry["status"], entry["enqueued_by"]) == (job_id, "jobtest.echo", "queued",
                                                                                   "discord:7")
    cancelled = await anyio.to_thread.run_sync(slomix, "jobs", "cancel", str(job_id))
    assert cancelled.returncode == 0 and f"job {job_id} cancelled" in cancelled.stdout
    again = await anyio.to_thread.run_sync(slomix, "jobs", "cancel", str(job_id))
    assert again.returncode == 2 and "is cancelled already" in again.stderr
    table = await anyio.to_thread.run_sync(slomix, "jobs", "--status", "cancelled")
    assert "jobtest.echo" in table.stdout and "cancelled" in table.stdout
    unknown = await anyio.to_thread.run_sync(slomix, "worker", "--queue", "nowhere")
    assert unknown.returncode == 2 and "no job kind uses queue nowhere" in unknown.stderr

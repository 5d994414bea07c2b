"""The scheduler facade: intervals, cron in a timezone, debounced later, moments, cancel; driven by a
clock the test moves, plus one short run of the real APScheduler path."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import anyio
import pytest

from slomix.kernel import hookimpl
from slomix.kernel.scheduler import ManualClock, Scheduler

pytestmark = pytest.mark.anyio
START = datetime(2025, 3, 29, 19, 0, tzinfo=UTC)


def recorder(clock: ManualClock, runs: list[datetime]):
    async def run() -> None:
        runs.append(clock.now())
    return run


async def test_every_runs_at_each_interval_as_the_clock_moves() -> None:
    clock = ManualClock(START)
    scheduler, runs = Scheduler(clock), []
    scheduler.every("tick", 10, recorder(clock, runs))
    await clock.advance(35)
    assert runs == [START + timedelta(seconds=s) for s in (10, 20, 30)]
    assert clock.now() == START + timedelta(seconds=35)
    assert [(j.name, j.next_run) for j in scheduler.jobs()] == [("tick", START + timedelta(seconds=40))]


async def test_cron_follows_the_timezone_across_daylight_saving() -> None:
    clock = ManualClock(START)  # Saturday 20:00 in Paris; summer time starts on Sunday 30 March
    scheduler, runs = Scheduler(clock), []
    scheduler.cron("digest", "0 21 * * *", recorder(clock, runs), timezone="Europe/Paris")
    await clock.advance(2 * 86400 - 60)
    assert runs == [datetime(2025, 3, 29, 20, 0, tzinfo=UTC), datetime(2025, 3, 30, 19, 0, tzinfo=UTC)]


async def test_later_is_debounced_by_name() -> None:
    clock = ManualClock(START)
    scheduler, runs = Scheduler(clock), []
    scheduler.later("refresh", 5, recorder(clock, runs))
    await clock.advance(3)
    scheduler.later("refresh", 5, recorder(clock, runs))  # asked again: moved, not doubled
    await clock.advance(4)
    assert runs == []
    await clock.advance(1)
    assert runs == [START + timedelta(seconds=8)]
    await clock.advance(60)
    assert len(runs) == 1 and scheduler.jobs() == []


async def test_flush_runs_what_later_put_off_now_and_leaves_moments_and_intervals() -> None:
    clock = ManualClock(START)
    scheduler, runs, others = Scheduler(clock), [], []
    scheduler.later("refresh", 5, recorder(clock, runs))
    scheduler.at("session", START + timedelta(minutes=60), recorder(clock, others))
    scheduler.every("tick", 10, recorder(clock, others))
    assert [j.name for j in scheduler.jobs() if j.deferred] == ["refresh"]
    assert await scheduler.flush() == ["refresh"]
    assert runs == [START] and others == []
    assert sorted(j.name for j in scheduler.jobs()) == ["session", "tick"]
    await clock.advance(60)
    assert runs == [START]  # done once, not again when its time comes
    assert await scheduler.flush() == []


async def test_at_a_moment_and_a_moment_past() -> None:
    clock = ManualClock(START)
    scheduler, runs = Scheduler(clock), []
    scheduler.at("session", START + timedelta(minutes=60), recorder(clock, runs))
    await clock.advance(3599)
    assert runs == []
    await clock.advance(1)
    assert runs == [START + timedelta(minutes=60)]
    scheduler.at("late", START - timedelta(days=1), recorder(clock, runs))
    await clock.advance(0)
    assert runs[-1] == clock.now()
    with pytest.raises(ValueError, match="timezone-aware"):
        scheduler.at("naive", datetime(2025, 1, 1), recorder(clock, runs))


async def test_cancel_and_a_failing_run_reported_while_the_schedule_goes_on() -> None:
    clock = ManualClock(START)
    errors: list[tuple[str, str]] = []
    scheduler = Scheduler(clock, on_error=lambda name, error: errors.append((name, str(error))))
    calls = []

    async def flaky() -> None:
        calls.append(clock.now())
        raise RuntimeError("disk on fire")

    scheduler.every("flaky", 60, flaky)
    scheduler.every("doomed", 1, flaky)
    assert scheduler.cancel("doomed") and not scheduler.cancel("doomed")
    await clock.advance(180)
    assert len(calls) == 3 and errors == [("flaky", "disk on fire")] * 3


async def test_the_real_apscheduler_path_fires_on_its_own() -> None:
    scheduler, ticks, once = Scheduler(), [], []
    enough = anyio.Event()

    async def tick() -> None:
        ticks.append(anyio.current_time())
        if len(ticks) == 3:
            enough.set()

    async def one() -> None:
        once.append(anyio.current_time())

    async with anyio.create_task_group() as tg:
        scheduler.start(tg)
        started = anyio.current_time()
        scheduler.every("tick", 0.05, tick)
        scheduler.later("once", 0.05, one)
        scheduler.later("once", 0.1, one)  # debounced: still one run, the later one
        with anyio.fail_after(5):
            await enough.wait()
        await anyio.sleep(0.15)
        scheduler.shutdown()
        tg.cancel_scope.cancel()
    assert len(once) == 1 and once[0] - started >= 0.09 and ticks == sorted(ticks)


async def test_a_kernel_under_test_runs_on_a_clock_the_test_moves(make_kernel) -> None:
    runs = []

    class Nightly:
        @hookimpl
        def on_startup(self, kernel):
            async def digest() -> None:
                runs.append(kernel.scheduler.clock.now())
            kernel.scheduler.cron("nightly.digest", "30 3 * * *", digest, timezone="UTC")

    kernel = await make_kernel(plugins=set(), extra={"nightly": ("plugin", Nightly())})
    clock = kernel.scheduler.clock
    assert isinstance(clock, ManualClock)
    await clock.advance(86400)
    assert len(runs) == 1 and (runs[0].hour, runs[0].minute) == (3, 30)

"""Timers for plugins: every N seconds, cron in a timezone, a debounced "later", a moment, cancel.

A facade over APScheduler 3.11 (4.x is still alpha). Its trigger objects do the time
arithmetic in both modes. In production the jobs go to an ``AsyncIOScheduler``, which wakes
up on the event loop and starts each run on the kernel's task group (so shutting the kernel
down cancels it). Under a :class:`ManualClock` (tests) nothing runs by itself:
``await clock.advance(seconds)`` moves time forward and runs every job that falls due, in
time order, one after another, waiting for each.

Names are keys: scheduling a name again replaces what it had (that is what makes ``later`` a
debounce). A run's error is reported with the job's name; the schedule goes on.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

import anyio
import anyio.abc
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger("slomix.scheduler")

Job = Callable[[], Awaitable[Any]]
ErrorSink = Callable[[str, BaseException], None]


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware."""


class RealClock:
    """The wall clock (production)."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def advance(self, seconds: float) -> None:
        raise RuntimeError("the real clock moves by itself: use a ManualClock in tests")


class ManualClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = (start or datetime.now(UTC)).astimezone(UTC)
        self._schedulers: list[Scheduler] = []

    def now(self) -> datetime:
        return self._now

    async def advance(self, seconds: float) -> None:
        """Move forward by ``seconds``, running each job that falls due, at its time, in order."""
        if seconds < 0:
            raise ValueError("time does not go back")
        target = self._now + timedelta(seconds=seconds)
        for _ in range(100_000):
            due = [(entry.next_fire, scheduler, name) for scheduler in self._schedulers
                   for name, entry in scheduler._entries.items()
                   if entry.next_fire is not None and entry.next_fire <= target]
            if not due:
                break
            when, scheduler, name = min(due, key=lambda item: item[0])
            self._now = max(self._now, when.astimezone(UTC))
            await scheduler._run_due(name)
        else:
            raise RuntimeError("a job keeps falling due: more than 100 000 runs in one advance")
        self._now = target


@dataclass(slots=True)
class _Entry:
    trigger: Any
    func: Job
    next_fire: datetime | None = None
    deferred: bool = False  # asked for with later(): work put off, not a moment that matters


@dataclass(frozen=True, slots=True)
class ScheduledJob:
    """A job as listed by :meth:`Scheduler.jobs`."""

    name: str
    next_run: datetime | None
    running: bool
    deferred: bool = False


class Scheduler:
    """``kernel.scheduler``; see the module docstring."""

    def __init__(self, clock: RealClock | ManualClock | None = None,
                 on_error: ErrorSink = lambda name, error: log.error("scheduled job %s failed: %s", name, error)
                 ) -> None:
        self.clock = clock or RealClock()
        self._on_error = on_error
        self._entries: dict[str, _Entry] = {}
        self._running: set[str] = set()
        self._task_group: anyio.abc.TaskGroup | None = None
        self._aps: AsyncIOScheduler | None = None
        if isinstance(self.clock, ManualClock):
            self.clock._schedulers.append(self)

    @property
    def _manual(self) -> bool:
        return isinstance(self.clock, ManualClock)

    # -- life cycle ------------------------------------------------------------------------------

    def start(self, task_group: anyio.abc.TaskGroup) -> None:
        """Start firing (the kernel calls it once its task group is open)."""
        self._task_group = task_group
        if not self._manual:
            self._aps = AsyncIOScheduler(timezone=UTC)
            self._aps.start()
            for name, entry in self._entries.items():
                self._submit(name, entry)

    def shutdown(self) -> None:
        """Stop firing; runs in progress end with the kernel's task group."""
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None
        self._task_group = None

    # -- scheduling ------------------------------------------------------------------------------

    def every(self, name: str, seconds: float, func: Job) -> None:
        """Run ``func`` every ``seconds`` (the first run one interval from now); a run still going
        when the next falls due makes that one skip."""
        if seconds <= 0:
            raise ValueError(f"{name}: the interval must be positive, not {seconds}")
        start = self.clock.now() + timedelta(seconds=seconds)
        self._put(name, IntervalTrigger(seconds=seconds, start_date=start, timezone=UTC), func)

    def cron(self, name: str, expression: str, func: Job, *, timezone: str = "UTC") -> None:
        """Run ``func`` at the times of a crontab ``expression`` (minute hour day month weekday) in
        ``timezone``, daylight saving time included. Name weekdays (``mon-fri``): APScheduler
        3 counts them from Monday = 0."""
        self._put(name, CronTrigger.from_crontab(expression, timezone=ZoneInfo(timezone)), func)

    def later(self, name: str, seconds: float, func: Job) -> None:
        """Run ``func`` once, ``seconds`` from now; asking again before then moves it (a debounce)."""
        self._put(name, DateTrigger(self.clock.now() + timedelta(seconds=max(seconds, 0.0))), func, deferred=True)

    def at(self, name: str, when: datetime, func: Job) -> None:
        """Run ``func`` once at ``when`` (timezone-aware; a moment past means as soon as possible)."""
        if when.tzinfo is None:
            raise ValueError(f"{name}: give a timezone-aware time, not {when}")
        self._put(name, DateTrigger(max(when, self.clock.now())), func)

    def cancel(self, name: str) -> bool:
        """Forget ``name``'s schedule (a run in progress finishes); True when there was one."""
        entry = self._entries.pop(name, None)
        if entry is not None and self._aps is not None and self._aps.get_job(name) is not None:
            self._aps.remove_job(name)
        return entry is not None

    async def flush(self) -> list[str]:
        """Run now, one after another, what ``later`` put off; returns their names. A command that
        ends the process (``slomix import``) calls it so the deferred work (a totals rebuild) is
        done in full rather than under a shutdown hook's timeout."""
        names = [name for name, entry in self._entries.items() if entry.deferred]
        for name in names:
            entry = self._entries[name]
            self.cancel(name)
            await self._run(name, entry.func)
        return names

    def jobs(self) -> list[ScheduledJob]:
        """Every scheduled job with its next run, soonest first."""
        found = []
        for name, entry in self._entries.items():
            when = entry.next_fire
            if self._aps is not None and (job := self._aps.get_job(name)) is not None:
                when = job.next_run_time
            found.append(ScheduledJob(name, when, name in self._running, entry.deferred))
        far = datetime.max.replace(tzinfo=UTC)
        return sorted(found, key=lambda j: (j.next_run or far, j.name))

    # -- running ---------------------------------------------------------------------------------

    def _put(self, name: str, trigger: Any, func: Job, *, deferred: bool = False) -> None:
        entry = _Entry(trigger, func, trigger.get_next_fire_time(None, self.clock.now()), deferred)
        self._entries[name] = entry
        if self._aps is not None:
            self._submit(name, entry)

    def _submit(self, name: str, entry: _Entry) -> None:
        assert self._aps is not None
        self._aps.add_job(self._fire, entry.trigger, args=[name], id=name, name=name, replace_existing=True,
                          misfire_grace_time=None, coalesce=True, max_instances=1)

    async def _fire(self, name: str) -> None:
        """APScheduler's side: start the run on the kernel's task group."""
        entry = self._entries.get(name)
        if entry is not None and isinstance(entry.trigger, DateTrigger):
            self._entries.pop(name, None)  # a one-off: done once started
        if entry is not None and self._task_group is not None:
            self._task_group.start_soon(self._run, name, entry.func)

    async def _run_due(self, name: str) -> None:
        """The manual clock's side: run now and compute the next time."""
        entry = self._entries[name]
        previous = entry.next_fire
        entry.next_fire = entry.trigger.get_next_fire_time(previous, self.clock.now())
        if entry.next_fire is None and self._entries.get(name) is entry:
            del self._entries[name]
        await self._run(name, entry.func)

    async def _run(self, name: str, func: Job) -> None:
        if name in self._running:
            log.info("scheduled job %s is still running: this run is skipped", name)
            return
        self._running.add(name)
        try:
            await func()
        except Exception as error:
            self._on_error(name, error)
        finally:
            self._running.discard(name)

"""Durable jobs: work that takes minutes, survives restarts and runs on any machine reaching the
database. Plugins declare kinds (``on_jobs``), enqueue with ``kernel.jobs.enqueue``; workers run
inside ``slomix run`` and as ``slomix worker``."""

from .kinds import STATUSES, AlreadyDone, Job, JobInfo, JobKind, Status
from .queue import Jobs

__all__ = ["STATUSES", "AlreadyDone", "Job", "JobInfo", "JobKind", "Jobs", "Status"]

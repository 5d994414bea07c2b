"""``slomix import PATH...``: hand files to the plugins in batches (``on_file``), with a progress bar and a
summary."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path

import anyio
from rich.markup import escape

from .kernel import DatabaseFailed, ExitCode, IncomingFile, Kernel, SlomixError, StorageFailed, console
from .kernel.jobs.worker import work

# Past this size a file is no game-server output; refuse it before reading it all.
MAX_FILE_BYTES = 64 * 1024 * 1024
BATCH_FILES = 256
BATCH_BYTES = 32 * 1024 * 1024
SUMMARY = ("imported", "stored", "updated", "duplicate", "held", "quarantined", "failed", "ignored")
# Jobs of this process's kinds queued after job ``$1`` that are not finished.
_PENDING = """SELECT count(*) FROM slomix.jobs WHERE id > $1 AND kind = ANY($2::text[])
              AND status IN ('queued', 'running')"""


def collect(paths: Iterable[Path]) -> list[Path]:
    """Files named, and every file below folders named, in name order (R1 before R2)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(p for p in path.rglob("*") if p.is_file())
        elif path.is_file():
            found.append(path)
        else:
            raise FileNotFoundError(f"{path}: no such file or folder")
    return sorted(found, key=lambda p: (p.name, str(p)))


async def run(kernel: Kernel, paths: list[Path], *, as_json: bool = False, batch: int = BATCH_FILES,
              wait: bool = True) -> int:
    """Import; ``wait``: then run the jobs the files started (a demo's analysis) before returning."""
    try:
        files = collect(paths)
    except FileNotFoundError as error:
        console.err.print(f"slomix: {error}", soft_wrap=True, highlight=False)
        return ExitCode.USAGE
    counts: Counter[str] = Counter()
    problems: dict[str, list[dict[str, str]]] = {"quarantined": [], "failed": []}
    notes: list[dict[str, str]] = []  # what plugins changed on the way in (merged lines, ...)
    stopped: SlomixError | None = None
    done = 0
    async with kernel:
        first_job = await kernel.db.pool.fetchval("SELECT coalesce(max(id), 0) FROM slomix.jobs")
        with console.progress() as bar:
            task = bar.add_task("importing", total=len(files))
            for group in batches(files, batch):
                try:
                    outcomes = await _some(kernel, group)
                except (DatabaseFailed, StorageFailed) as error:
                    # Not the files' fault: stop here; what earlier batches committed stays.
                    stopped = error
                    break
                for path, found in zip(group, outcomes, strict=True):
                    for status, detail, told in found:
                        counts[status] += 1
                        if status in problems:
                            problems[status].append({"file": str(path), "reason": detail})
                        notes.extend({"file": str(path), "note": note} for note in told)
                done += len(group)
                bar.advance(task, len(group))
        if stopped is None:
            await kernel.settle()  # the files' reactions (on_round, on_demo ...) have run
            await finish_deferred(kernel)
            if wait:
                await finish_jobs(kernel, first_job)
    summary = {"files": len(files), **{k: counts.get(k, 0) for k in SUMMARY},
               "quarantined_files": problems["quarantined"], "failed_files": problems["failed"], "notes": notes}
    if stopped is not None:
        summary["stopped"] = str(stopped)
        summary["not_stored"] = len(files) - done
    if as_json:
        print(json.dumps(summary, indent=2))
    else:
        console.out.print(console.table(["files", *SUMMARY], [[summary[k] for k in ("files", *SUMMARY)]],
                                        title="Import"))
        for note in notes:
            console.out.print(f"[yellow]note[/yellow] {escape(note['file'])}: {escape(note['note'])}",
                              highlight=False, markup=True, soft_wrap=True)
        for status, found in problems.items():
            for problem in found:
                console.out.print(f"[red]{status}[/red] {escape(problem['file'])}: {escape(problem['reason'])}",
                                  highlight=False, markup=True, soft_wrap=True)
    if stopped is not None:
        console.err.print(f"[red]slomix: import stopped: {escape(str(stopped))}[/red]\n"
                          f"{done} of {len(files)} files were handled and committed before it; the other "
                          f"{len(files) - done} were not stored (nothing was quarantined for it): "
                          "run the same import again once it is fixed.", highlight=False, soft_wrap=True)
        return stopped.exit_code
    # A file a plugin failed on was not stored: say so with the exit code (a re-run tries again).
    return ExitCode.FAILED if problems["failed"] else ExitCode.OK


async def finish_deferred(kernel: Kernel) -> None:
    """Do now what the plugins put off until the files stop coming (a rebuild of totals), with
    a spinner: after a large import it takes a while, and a shutdown hook's timeout must not cut it."""
    if not any(job.deferred for job in kernel.scheduler.jobs()):
        return
    with console.progress() as bar:
        bar.add_task("finishing the work the plugins put off until the end", total=None)
        await kernel.scheduler.flush()


async def finish_jobs(kernel: Kernel, after: int) -> None:
    """Run the jobs queued after job ``after`` (and those they queue) until none waits or runs."""
    kinds = list(kernel.jobs.kinds)
    if not kinds or not await kernel.db.pool.fetchval(_PENDING, after, kinds):
        return
    with console.progress() as bar:
        bar.add_task("running the jobs the files started", total=None)
        async with anyio.create_task_group() as tg:
            tg.start_soon(work, kernel)
            while await kernel.db.pool.fetchval(_PENDING, after, kinds):  # noqa: ASYNC110 (rows, not an event)
                await anyio.sleep(0.2)
            tg.cancel_scope.cancel()
    failed = await kernel.db.pool.fetch(
        "SELECT id, kind, error FROM slomix.jobs WHERE id > $1 AND status = 'failed' ORDER BY id", after)
    for job in failed:
        console.err.print(f"slomix: job {job['id']} ({job['kind']}) failed: {job['error']}", markup=False,
                          highlight=False, soft_wrap=True)


def batches(files: list[Path], most: int = BATCH_FILES) -> Iterator[list[Path]]:
    """Files in groups handed over together: plugins store a group in one transaction, and a
    group's bytes stay bounded, so memory does not grow with the size of the import."""
    batch: list[Path] = []
    size = 0
    for path in files:
        length = path.stat().st_size
        if batch and (len(batch) >= most or size + length > BATCH_BYTES):
            yield batch
            batch, size = [], 0
        batch.append(path)
        size += min(length, MAX_FILE_BYTES)
    if batch:
        yield batch


async def _some(kernel: Kernel, paths: list[Path]) -> list[list[tuple[str, str, tuple[str, ...]]]]:
    offered = await anyio.to_thread.run_sync(_offer, paths)
    incoming = [file for file in offered if isinstance(file, IncomingFile)]
    outcomes = iter(await kernel.ingest_many(incoming))
    found = []
    for file in offered:
        if not isinstance(file, IncomingFile):
            found.append([("quarantined", file, ())])
        else:
            found.append([(o.status, o.detail, o.notes) for _plugin, o in next(outcomes)]
                         or [("ignored", "no plugin recognised the file", ())])
    return found


def _offer(paths: list[Path]) -> list[IncomingFile | str]:
    """Each file as the plugins get it (its bytes read only by a plugin that wants them), or why
    it was refused."""
    offered: list[IncomingFile | str] = []
    for path in paths:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            offered.append(f"larger than {MAX_FILE_BYTES} bytes")
        else:
            offered.append(IncomingFile(name=path.name, source="import", path=path, size=size))
    return offered

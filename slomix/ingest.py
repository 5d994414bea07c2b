"""``slomix import PATH...``: hand every file to ``on_file``, with a progress bar and a summary."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import anyio
from rich.markup import escape

from . import console
from .kernel import ExitCode, IncomingFile, Kernel

# Past this size a file is no game-server output; refuse it before reading it all.
MAX_FILE_BYTES = 64 * 1024 * 1024


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


async def run(kernel: Kernel, paths: list[Path], *, as_json: bool = False) -> int:
    try:
        files = collect(paths)
    except FileNotFoundError as error:
        console.err.print(f"slomix: {error}", soft_wrap=True, highlight=False)
        return ExitCode.USAGE
    counts: Counter[str] = Counter()
    problems: list[dict[str, str]] = []
    async with kernel:
        with console.progress() as bar:
            task = bar.add_task("importing", total=len(files))
            for path in files:
                for status, detail in await _one(kernel, path):
                    counts[status] += 1
                    if status == "quarantined":
                        problems.append({"file": str(path), "reason": detail})
                bar.advance(task)
    summary = {"files": len(files), **{k: counts.get(k, 0) for k in
               ("imported", "updated", "duplicate", "held", "quarantined", "ignored")},
               "quarantined_files": problems}
    if as_json:
        print(json.dumps(summary, indent=2))
    else:
        console.out.print(console.table(
            ["files", "imported", "updated", "duplicate", "held", "quarantined", "ignored"],
            [[summary[k] for k in ("files", "imported", "updated", "duplicate", "held", "quarantined",
                                   "ignored")]], title="Import"))
        for problem in problems:
            console.out.print(f"[red]quarantined[/red] {escape(problem['file'])}: {escape(problem['reason'])}",
                              highlight=False, markup=True, soft_wrap=True)
    return ExitCode.OK


async def _one(kernel: Kernel, path: Path) -> list[tuple[str, str]]:
    file = anyio.Path(path)
    if (await file.stat()).st_size > MAX_FILE_BYTES:
        return [("quarantined", f"larger than {MAX_FILE_BYTES} bytes")]
    outcomes = await kernel.ingest(IncomingFile(name=path.name, data=await file.read_bytes(), source="import",
                                                path=str(path)))
    if not outcomes:
        return [("ignored", "no plugin recognised the file")]
    return [(outcome.status, outcome.detail) for _plugin, outcome in outcomes]

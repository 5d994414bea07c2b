"""Terminal commands of the stats plugin: ``slomix parse`` and ``slomix synth``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import msgspec

from slomix.kernel import ExitCode, Kernel, SubCommand, console

from . import formats


def _configure_parse(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE")
    parser.add_argument("--json", action="store_true", help="one JSON object per line per file")


def _r1_for(path: Path, given: list[Path]) -> Path | None:
    """The R1 of an R2: searched among the given files and in the R2's folder (spec §2.1)."""
    candidates = {p.name: p for p in given}
    if path.parent.is_dir():
        for sibling in path.parent.glob("*-round-1.txt"):
            candidates.setdefault(sibling.name, sibling)
    found = formats.find_r1(path.name, list(candidates))
    return candidates[found] if found else None


def parse_one(path: Path, given: list[Path]) -> dict:
    """The ``slomix parse --json`` object for one file (R2: the R2-only differential)."""
    stats = formats.parse_stats(path.read_bytes(), path.name)
    r1_path = _r1_for(path, given) if stats.round_number == 2 else None
    if r1_path is not None:
        stats = formats.r2_differential(formats.parse_stats(r1_path.read_bytes(), r1_path.name), stats)
    return formats.to_parse_json(stats, r1_path.name if r1_path else None)


async def _parse(args: argparse.Namespace, kernel: Kernel) -> int:
    failed = False
    encoder = msgspec.json.Encoder()
    for path in args.files:
        try:
            result = parse_one(path, args.files)
        except formats.ParseError as error:
            failed = True
            result = {"file": str(path), "error": str(error)}
        except OSError as error:
            failed = True
            result = {"file": str(path), "error": error.strerror or str(error)}
        else:
            result["file"] = str(path)
        if args.json:
            sys.stdout.buffer.write(encoder.encode(result) + b"\n")
        elif "error" in result:
            console.out.print(f"{path}: error: {result['error']}", markup=False, highlight=False)
        else:
            console.out.print(console.table(
                ["player", "team", "kills", "deaths", "damage", "dpm", "seconds"],
                [[p["clean_name"], p["team"], p["kills"], p["deaths"], p["damage_given"], f"{p['dpm']:.1f}",
                  p["time_played_seconds"]] for p in result["players"]],
                title=f"{path.name}: {result['map']} R{result['round']}"
                      + (f" (R2 only, R1 {result['r1_file']})" if result["r1_file"] else "")))
    return ExitCode.FAILED if failed else ExitCode.OK


def _configure_synth(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--rounds", type=int, required=True, help="how many round files to write")
    parser.add_argument("--out", type=Path, required=True, help="folder to write them to")
    parser.add_argument("--source", type=Path, default=Path("../shared/data/stats"),
                        help="real stats files to resample (default ../shared/data/stats)")
    parser.add_argument("--seed", type=int, default=0)


async def _synth(args: argparse.Namespace, kernel: Kernel) -> int:
    from .synth import synthesize

    sources = sorted(args.source.glob("*.txt")) if args.source.is_dir() else []
    if not sources:
        console.err.print(f"slomix: no stats files in {args.source} to resample (use --source)")
        return ExitCode.USAGE
    args.out.mkdir(parents=True, exist_ok=True)
    with console.progress() as bar:
        task = bar.add_task("writing rounds", total=args.rounds)
        written = synthesize(sources, args.out, args.rounds, seed=args.seed,
                             progress=lambda n: bar.update(task, completed=n))
    console.out.print(f"wrote {written} stats files to {args.out}")
    return ExitCode.OK


def _configure_quarantine(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--export", type=Path, metavar="DIR", help="write the original bytes of each file here")
    parser.add_argument("--json", action="store_true")


async def _quarantine(args: argparse.Namespace, kernel: Kernel) -> int:
    rows = await kernel.db.pool.fetch(
        """SELECT name, kind, reason, source, received_at, data FROM stats.files WHERE status = 'quarantined'
           ORDER BY received_at, name""")
    if args.export:
        args.export.mkdir(parents=True, exist_ok=True)
        for row in rows:
            (args.export / Path(row["name"]).name).write_bytes(row["data"])
    listing = [{"file": r["name"], "kind": r["kind"], "reason": r["reason"], "source": r["source"],
                "received_at": r["received_at"].isoformat()} for r in rows]
    if args.json:
        sys.stdout.write(msgspec.json.encode(listing).decode() + "\n")
    else:
        console.out.print(console.table(["file", "kind", "reason", "source", "received"],
                                        [[x["file"], x["kind"], x["reason"], x["source"], x["received_at"][:19]]
                                         for x in listing], title=f"Quarantined files ({len(listing)})"))
    return ExitCode.OK


def subcommands() -> list[SubCommand]:
    return [
        SubCommand("parse", "parse stats files without touching the database", _configure_parse, _parse,
                   needs_database=False),
        SubCommand("synth", "write a realistic synthetic history by resampling real stats files",
                   _configure_synth, _synth, needs_database=False),
        SubCommand("quarantine", "list quarantined files with their reasons (--export their original bytes)",
                   _configure_quarantine, _quarantine),
    ]

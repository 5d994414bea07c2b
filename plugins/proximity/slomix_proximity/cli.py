"""``slomix proximity parse FILE...`` (tracker files and demos) and ``slomix proximity files [--status S]
[--export DIR]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import msgspec

from slomix.kernel import ExitCode, Kernel, SubCommand, console
from slomix_greatshot import api as demos
from slomix_stats import api as stats

from . import demotracks, queries, store
from .analytics import RoundFacts, derive
from .fileformat import ProximityFileError, parse_file

# Demos read as tracks by ``parse`` (any demo: a player's own shows what the tracks of one would be) and their rate.
DEMOS = (".tv_84", ".dm_84")
DEMO_SAMPLE_MS = 200


def _configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    parse = actions.add_parser("parse", help="read proximity files (and demos: the tracks they would give) without "
                                             "touching the database")
    parse.add_argument("files", nargs="+", type=Path, metavar="FILE")
    parse.add_argument("--json", action="store_true", help="one JSON object per line per file")
    listing = actions.add_parser("files", help="proximity files received, with the reasons of held and "
                                               "quarantined ones (--export writes their original bytes)")
    listing.add_argument("--status", choices=("imported", "held", "quarantined", "superseded"))
    listing.add_argument("--export", type=Path, metavar="DIR")
    listing.add_argument("--json", action="store_true")


def _summary(path: Path, facts: RoundFacts) -> dict:
    t = facts.telemetry
    return {"file": str(path), "source": t.source, "map": t.map_name, "round": t.round_number,
            "start_unix": t.start_unix, "end_unix": t.end_unix, "duration_ms": t.duration_ms, "sample_ms": t.sample_ms,
            "capabilities": sorted(t.capabilities), "players": len(t.players),
            "samples": sum(len(track) for track in t.tracks), "damage": len(t.damage), "kills": len(t.kills),
            "revives": len(t.revives), "spawns": len(t.spawns), "objectives": len(t.objectives),
            "engagements": len(facts.engagements), "trades": len(facts.trades),
            "crossfires": None if facts.crossfires is None else len(facts.crossfires)}


def summary(path: Path) -> dict:
    """What ``parse`` prints for one tracker file."""
    return _summary(path, derive(parse_file(path.read_bytes(), path.name)))


def demo_summaries(path: Path, timezone: str) -> list[dict]:
    """What ``parse`` prints for a demo: one line per round it holds, as its tracks would be stored (players
    keyed without the stats history)."""
    demo = demos.parse(path, positions=demotracks.thinning(DEMO_SAMPLE_MS))
    at = demotracks.anchor(demo, name=path.name, mtime=path.stat().st_mtime, timezone=timezone)
    keys = demotracks.player_keys(demo, {})
    return [_summary(path, derive(t)) for t in demotracks.rounds(demo, keys=keys, at=at, sample_ms=DEMO_SAMPLE_MS)]


async def _parse(args: argparse.Namespace, timezone: str) -> int:
    failed = False
    encoder = msgspec.json.Encoder()
    for path in args.files:
        try:
            results = demo_summaries(path, timezone) if path.name.lower().endswith(DEMOS) else [summary(path)]
        except (ProximityFileError, demos.DemoError) as error:
            failed, results = True, [{"file": str(path), "error": str(error)}]
        except OSError as error:
            failed, results = True, [{"file": str(path), "error": error.strerror or str(error)}]
        for result in results:
            if args.json:
                sys.stdout.buffer.write(encoder.encode(result) + b"\n")
            elif "error" in result:
                console.out.print(f"{path}: error: {result['error']}", markup=False, highlight=False)
            else:
                console.out.print(console.table(list(result)[1:], [list(result.values())[1:]], title=str(path)))
    return ExitCode.FAILED if failed else ExitCode.OK


async def _files(args: argparse.Namespace, kernel: Kernel) -> int:
    found = await queries.files(kernel.db.pool, args.status, limit=100_000)
    if args.export:
        args.export.mkdir(parents=True, exist_ok=True)
        for row in await kernel.db.pool.fetch(
                "SELECT name, data FROM proximity.files WHERE name = ANY($1::text[]) AND data IS NOT NULL",
                [f.name for f in found]):  # a demo's bytes are kept by the plugin that stored it
            (args.export / Path(row["name"]).name).write_bytes(store.unpack(row["data"]))
    if args.json:
        sys.stdout.write(msgspec.json.encode(found).decode() + "\n")
    else:
        console.out.print(console.table(["file", "status", "reason", "source", "received"],
                                        [[f.name, f.status, f.reason or "", f.source, f.received_at[:19]]
                                         for f in found], title=f"Proximity files ({len(found)})"))
    return ExitCode.OK


async def _run(args: argparse.Namespace, kernel: Kernel) -> int:
    if args.action == "parse":
        return await _parse(args, stats.server_timezone(kernel))
    async with kernel:
        return await _files(args, kernel)


def subcommands() -> list[SubCommand]:
    return [SubCommand("proximity", "proximity telemetry files: parse them, list what was received",
                       _configure, _run, needs_database=False)]

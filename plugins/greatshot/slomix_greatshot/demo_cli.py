"""``slomix demo parse FILE... [--json]`` and ``slomix demo cut FILE --start-ms A --end-ms B --out F [--pov N]``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import msgspec

from slomix.kernel import ExitCode, Kernel, SubCommand, console, hookimpl

from .demo import Demo, DemoError, cut, parse

_BAR_FROM_BYTES = 8 << 20  # a progress bar only where reading takes seconds


def _configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True)
    reading = actions.add_parser("parse", help="read demos (.dm_84, .tv_84): kills, players, the recorder")
    reading.add_argument("files", nargs="+", type=Path, metavar="FILE")
    reading.add_argument("--json", action="store_true", help="one JSON object per line per file")
    cutting = actions.add_parser("cut", help="cut a server-time range into a new .dm_84 (ETTV: from --pov's view)")
    cutting.add_argument("file", type=Path, metavar="FILE")
    cutting.add_argument("--start-ms", type=int, required=True)
    cutting.add_argument("--end-ms", type=int, required=True)
    cutting.add_argument("--out", type=Path, required=True, metavar="FILE")
    cutting.add_argument("--pov", type=int, metavar="CLIENT", help="the player to follow (ETTV demos)")


def summary(path: Path, demo: Demo) -> dict:
    """The JSON line ``parse --json`` prints for one demo."""
    return {
        "file": str(path), "protocol": demo.protocol, "mod": demo.mod, "map": demo.map,
        "pov": {"client": demo.pov.client, "name": demo.pov.name},
        "start_ms": demo.start_ms, "end_ms": demo.end_ms,
        "players": [{"client": p.client, "name": p.name, "team": p.team} for p in demo.players],
        "kills": [{"time_ms": k.time_ms, "attacker": k.attacker, "victim": k.victim, "weapon": k.weapon,
                   "mod": k.mod, "headshot": k.headshot, "attacker_team": k.attacker_team,
                   "victim_team": k.victim_team} for k in demo.kills],
    }


def _read(path: Path, *, bar: bool) -> Demo:
    size = path.stat().st_size if bar and path.is_file() else 0
    if size < _BAR_FROM_BYTES:
        return parse(path, positions=False)
    with console.progress() as progress:
        task = progress.add_task(path.name, total=size)
        return parse(path, positions=False, progress=lambda done, total: progress.update(task, completed=done))


def _clock(ms: int) -> str:
    minutes, seconds = divmod(max(0, ms) // 1000, 60)
    return f"{minutes}:{seconds:02d}"


def _show(path: Path, demo: Demo) -> None:
    console.out.print(f"{path}: {demo.map} ({demo.mod} {demo.mod_version}, protocol {demo.protocol}), "
                      f"{_clock(demo.end_ms - demo.start_ms)}, recorded by {demo.pov.name or demo.pov.client}",
                      markup=False, highlight=False, soft_wrap=True)
    heads = sum(1 for k in demo.kills if k.headshot)
    rows = [[_clock(k.time_ms - demo.start_ms), k.attacker_name or k.attacker, k.victim_name or k.victim,
             k.weapon if k.weapon != "none" else k.mod, {True: "yes", False: "", None: "?"}[k.headshot]]
            for k in demo.kills]
    console.out.print(console.table(["at", "attacker", "victim", "weapon", "head"], rows,
                                    title=f"{len(demo.kills)} kills, {heads} headshots, {len(demo.players)} players"))


def _code(error: DemoError) -> ExitCode:
    """A file we may not read or write is a permission failure; anything else a failed file."""
    return ExitCode.PERMISSION if isinstance(error.__cause__, PermissionError) else ExitCode.FAILED


async def _parse(args: argparse.Namespace) -> int:
    code = ExitCode.OK
    encoder = msgspec.json.Encoder()
    for path in args.files:
        try:
            demo = _read(path, bar=not args.json)
        except DemoError as error:
            code = max(code, _code(error))
            print(error if error.file else f"{path}: {error}", file=sys.stderr)
            continue
        if args.json:
            sys.stdout.buffer.write(encoder.encode(summary(path, demo)) + b"\n")
            sys.stdout.flush()
        else:
            _show(path, demo)
    return code


async def _cut(args: argparse.Namespace) -> int:
    try:
        info = cut(args.file, args.out, start_ms=args.start_ms, end_ms=args.end_ms, pov=args.pov)
    except DemoError as error:
        print(error if error.file else f"{args.file}: {error}", file=sys.stderr)
        return _code(error)
    console.out.print(f"{info.out}: {info.snapshots} snapshots {info.start_ms}..{info.end_ms} ms, "
                      f"{info.commands} commands, {info.size} bytes, view of client {info.pov}",
                      markup=False, highlight=False, soft_wrap=True)
    return ExitCode.OK


async def _run(args: argparse.Namespace, kernel: Kernel) -> int:
    return await (_parse(args) if args.action == "parse" else _cut(args))


@hookimpl
def on_cli(self, kernel: Kernel) -> list[SubCommand]:
    """Registered by the plugin class (``on_cli = demo_cli.on_cli``)."""
    return [SubCommand("demo", "ET demos: parse them (kills, headshots, players), cut clips",
                       _configure, _run, needs_database=False)]

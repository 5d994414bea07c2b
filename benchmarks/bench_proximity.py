"""Proximity: the tracker's cost per frame, ingest of a 20-minute 6v6 round, bytes stored per round,
a map heatmap over 1 000 rounds.

Targets: ingest of a 20-minute 6v6 round file (made by the tracker under the fake et) ≤ 1 s;
a map heatmap over 1 000 rounds ≤ 100 ms (the grid; the PNG is drawn once per change and cached).
The 1 000 rounds are five ingested rounds and copies of the first one's rows (playing 1 000 rounds
under the fake et would take hours); the query reads them as it would any round.
Run: .venv/bin/python benchmarks/bench_proximity.py [rounds]   (default 1000)
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import anyio

from slomix.kernel import Config, IncomingFile, Kernel
from slomix.testing.sftp import TEAM_ALLIES, TEAM_AXIS
from slomix_proximity import queries, render
from slomix_proximity.scope import Scope, round_ids
from slomix_proximity.testing import Match, Player, synthetic_round

ROOT = Path(__file__).resolve().parents[1]
FOLDER = ROOT / ".bench" / "proximity"


def tracker_cost(home: Path, seconds: int = 300) -> None:
    """12 players running circles, hitting each other now and then: per-frame time and et calls, Lua memory."""
    import math

    players = [Player(f"{i + 1:08X}" + "C" * 24, f"p{i}", TEAM_AXIS if i < 6 else TEAM_ALLIES) for i in range(12)]
    match = Match(home, players)
    match.start([(i * 200.0, 0.0, 0.0) for i in range(12)])
    et, lua = match.et, match.et.modules[0]
    frame_times, calls, memory = [], [], []
    for frame in range(seconds * 20):
        for slot in range(12):
            angle = frame / 40 + slot
            et.move(slot, slot * 200 + 400 * math.cos(angle), 400 * math.sin(angle), 0.0, yaw=math.degrees(angle))
        if frame % 10 == 0:
            et.damage((frame // 10) % 12, (frame // 10 + 6) % 12, 9)
        for slot, client in et.clients.items():
            if client.health <= 0 and frame % 100 == 0:
                et.spawn(slot)
        before = et.api_calls
        started = time.perf_counter()
        et.now += 0.05
        et.level_time += 50
        et.call("et_RunFrame", et.level_time)
        frame_times.append((time.perf_counter() - started) * 1e6)
        calls.append(et.api_calls - before)
        if frame % 20 == 0:
            memory.append(lua.eval("collectgarbage('count')"))
    path = match.end()
    frame_times.sort()
    print(f"proximity: tracker, 12 players, {seconds} s under the fake et: a frame takes p50 "
          f"{statistics.median(frame_times):.0f} µs, p99 {frame_times[int(len(frame_times) * 0.99)]:.0f} µs, "
          f"max {frame_times[-1]:.0f} µs (Lua + the fake engine's Python callbacks); et calls a frame mean "
          f"{statistics.mean(calls):.1f}, max {max(calls)}; Lua memory {min(memory):.0f}–{max(memory):.0f} KB; "
          f"{path.stat().st_size / seconds * 60 / 1e6:.2f} MB written per minute")


def round_file() -> Path:
    """The 20-minute 6v6 round, made once and kept."""
    FOLDER.mkdir(parents=True, exist_ok=True)
    kept = sorted(FOLDER.glob("proximity-*.txt"))
    if kept:
        return kept[0]
    home = Path(tempfile.mkdtemp(prefix="et-", dir=FOLDER))
    started = time.perf_counter()
    made = synthetic_round(home, minutes=20, per_team=6, seed=3)
    print(f"proximity: made a 20-minute 6v6 round under the fake et in {time.perf_counter() - started:.0f} s")
    target = FOLDER / made.name
    made.rename(target)
    shutil.rmtree(home)
    return target


def variant(path: Path, index: int) -> IncomingFile:
    """The same round recorded at another time: a new round for the database."""
    text = path.read_text()
    start = int(text.split("# start_unix=", 1)[1].split("\n", 1)[0])
    text = text.replace(f"# start_unix={start}\n", f"# start_unix={start + index * 3600}\n", 1)
    stem, end = path.stem.rsplit("-", 1)
    return IncomingFile(name=f"{stem}-{int(end) + index * 3600}.txt", data=text.encode(), source="bench")


CLONE = """
WITH new_files AS (
    INSERT INTO proximity.files (name, sha256, status, source, size, data)
    SELECT 'clone-' || i, md5('clone-' || i), 'imported', 'bench', 0, ''::bytea FROM generate_series(1, $1) i
    RETURNING id, substr(name, 7)::int AS i),
new_rounds AS (
    INSERT INTO proximity.rounds (file_id, source, map_name, round_number, start_unix, end_unix, duration_ms,
        sample_ms, capabilities, recorder, ended, axis_up_ms, allies_up_ms, even_ms)
    SELECT f.id, r.source, r.map_name, r.round_number, r.start_unix + 86400 * f.i, r.end_unix + 86400 * f.i,
           r.duration_ms, r.sample_ms, r.capabilities, r.recorder, r.ended, r.axis_up_ms, r.allies_up_ms, r.even_ms
    FROM new_files f CROSS JOIN (SELECT * FROM proximity.rounds ORDER BY id LIMIT 1) r
    RETURNING id)
INSERT INTO proximity.heat (round_id, kind, guid, cells)
SELECT n.id, h.kind, h.guid, h.cells FROM new_rounds n
CROSS JOIN proximity.heat h WHERE h.round_id = (SELECT min(id) FROM proximity.rounds)"""


async def database(path: Path, rounds: int) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="slomix-bench-", dir=FOLDER))
    try:
        kernel = Kernel(Config({"slomix": {"data_dir": str(data_dir)}}), only={"stats", "proximity"})
        async with kernel:
            pool = kernel.db.pool
            times, cpu = [], []
            for index in range(5):
                file = variant(path, index)
                started, processor = time.perf_counter(), time.process_time()
                [(_, outcome)] = await kernel.ingest(file)
                times.append(time.perf_counter() - started)
                cpu.append(time.process_time() - processor)
                assert outcome.status == "held", outcome
            samples = await pool.fetchval("SELECT sum(samples) FROM proximity.players WHERE round_id = "
                                          "(SELECT min(id) FROM proximity.rounds)")
            print(f"proximity: ingest of a 20-minute 6v6 round ({len(file.data) / 1e6:.1f} MB, {samples} "
                  f"samples): best {min(times):.2f} s, median {statistics.median(times):.2f} s (target ≤ 1 s); "
                  f"Slomix's own CPU {min(cpu):.2f} s (PostgreSQL's not counted)")
            await pool.execute("VACUUM ANALYZE")
            sizes = await pool.fetch(
                """SELECT c.relname, pg_total_relation_size(c.oid) AS bytes FROM pg_class c
                   JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname = 'proximity' AND c.relkind = 'r' ORDER BY 2 DESC""")
            stored = {r["relname"]: r["bytes"] / 5 for r in sizes}
            telemetry = sum(v for k, v in stored.items() if k != "files")
            print(f"proximity: bytes stored per round: {telemetry / 1e6:.2f} MB of telemetry tables (tracks "
                  f"{stored['tracks'] / 1e6:.2f} MB, heat {stored['heat'] / 1e3:.0f} kB, the rest "
                  f"{(telemetry - stored['tracks'] - stored['heat']) / 1e3:.0f} kB) + {stored['files'] / 1e6:.2f} MB "
                  f"for the file's bytes kept (indexes and TOAST included)")
            await pool.execute(CLONE, rounds - 5)
            await pool.execute("VACUUM ANALYZE")
            scope = Scope(map_name="supply")
            grid_times = []
            for _ in range(20):
                started = time.perf_counter()
                ids = await round_ids(pool, scope)
                grid = await queries.heat_grid(pool, ids, "kills")
                values, _, _ = grid.dense()
                grid_times.append((time.perf_counter() - started) * 1000)
            assert len(ids) == rounds, len(ids)
            started = time.perf_counter()
            presence = await queries.heat_grid(pool, ids, "presence")
            shape = (time.perf_counter() - started) * 1000
            render.heatmap_png(grid, presence, kind="kills", title="warm-up")  # matplotlib's import: once
            started = time.perf_counter()
            png = render.heatmap_png(grid, presence, kind="kills", title="bench")
            drawn = (time.perf_counter() - started) * 1000
            grid_times.sort()
            print(f"proximity: map heatmap over {len(ids)} rounds ({values.sum():.0f} kills): grid p50 "
                  f"{statistics.median(grid_times):.0f} ms, max {grid_times[-1]:.0f} ms (target ≤ 100 ms); "
                  f"the map's shape (presence of all {len(ids)} rounds) {shape:.0f} ms and the PNG "
                  f"({len(png) // 1000} kB) {drawn:.0f} ms, drawn once per change and cached")
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    FOLDER.mkdir(parents=True, exist_ok=True)
    home = Path(tempfile.mkdtemp(prefix="et-", dir=FOLDER))
    try:
        tracker_cost(home)
    finally:
        shutil.rmtree(home, ignore_errors=True)
    anyio.run(database, round_file(), rounds)


if __name__ == "__main__":
    main()

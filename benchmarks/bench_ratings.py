"""Ratings: a full rebuild over 100 000 synthetic rounds (50 000 stopwatch maps), and !balance for 12.

Targets: rebuild ≤ 30 s (rating + walk-forward evaluation of every candidate and baseline + storing
ratings, maps and per-player changes); !balance of 12 players ≤ 200 ms (p99, through the command
registry, players looked up by GUID in the real history).
The synthetic maps are generated here (a community of 400 players, sessions of 3v3 to 6v6 with
persistent teams, hidden skills deciding results, subs with partial time); reading the history from
the stats and stopwatch tables is not part of the figure (see bench_import for the import itself).
Run: .venv/bin/python benchmarks/bench_ratings.py [rounds] [repeats]   (default 100000 rounds, 50 repeats)
"""

from __future__ import annotations

import math
import random
import shutil
import statistics
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path

import anyio

from slomix.kernel import CLI_ACTOR, Config, IncomingFile, Kernel
from slomix_predictions import store
from slomix_predictions.history import MapGame
from slomix_predictions.replay import replay

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT.parent / "shared" / "data" / "stats"


def synthetic(maps: int, seed: int = 18) -> list[MapGame]:
    rng = random.Random(seed)
    skill = {f"{i:08X}": rng.gauss(0, 1) for i in range(400)}
    guids = list(skill)
    games: list[MapGame] = []
    when = datetime(2020, 1, 1, 20, 0)
    while len(games) < maps:
        size = rng.choice((3, 3, 4, 5, 6))
        players = rng.sample(guids, 2 * size + 1)
        team_a, team_b, sub = players[:size], players[size:2 * size], players[-1]
        start = when
        for seq in range(1, rng.randint(3, 8) + 1):
            a = dict.fromkeys(team_a, 1.0)
            b = dict.fromkeys(team_b, 1.0)
            if rng.random() < 0.1:  # a sub plays one round for somebody
                b[team_b[0]] = b[sub] = 0.5
            gap = sum(skill[g] * s for g, s in a.items()) - sum(skill[g] * s for g, s in b.items())
            roll = rng.random()
            outcome = 0.5 if roll < 0.03 else float(roll < 0.03 + 0.97 / (1 + math.exp(-gap)))
            games.append(MapGame(session_start=start, seq=seq, match_id=f"{start:%Y%m%d%H%M}-{seq}",
                                 map_name="supply", played_at=when, team_a=a, team_b=b, outcome=outcome,
                                 r1_round_id=len(games) + 1, lineup_a=sorted(team_a), lineup_b=sorted(team_b),
                                 dpm={g: 200 + 40 * skill[g] for g in (*a, *b)}))
            when += timedelta(minutes=20)
            if len(games) == maps:
                break
        when = start + timedelta(days=rng.choice((1, 1, 2, 3, 7)))
    return games


async def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 50
    data_dir = ROOT / ".bench" / "ratings"
    shutil.rmtree(data_dir, ignore_errors=True)
    kernel = Kernel(Config({"slomix": {"data_dir": str(data_dir)}}), only={"stats", "stopwatch", "predictions"})
    async with kernel:
        for path in sorted(REAL.glob("*.txt")):
            await kernel.ingest(IncomingFile(name=path.name, data=path.read_bytes(), source="bench"))
        await kernel.settle()
        from slomix_predictions import service

        await service.rebuild(kernel.db.pool)
        twelve = [r["guid"] for r in await kernel.db.pool.fetch(
            "SELECT guid FROM predictions.ratings ORDER BY maps DESC, guid LIMIT 12")]
        line = "!balance " + " ".join(twelve)
        samples = []
        for _ in range(repeats):
            started = time.perf_counter()
            reply = await kernel.commands.dispatch(kernel, line, CLI_ACTOR)
            samples.append((time.perf_counter() - started) * 1000)
            assert not reply.error and reply.data["splits"] == 462, reply.description
        samples.sort()
        print(f"ratings: !balance 12 players  p50 {statistics.median(samples):6.1f} ms  "
              f"p99 {samples[max(int(len(samples) * 0.99) - 1, 0)]:6.1f} ms  (target ≤ 200 ms)")

        games = synthetic(rounds // 2)
        started, cpu = time.perf_counter(), time.process_time()
        done = replay(games)
        rated, rated_cpu = time.perf_counter() - started, time.process_time() - cpu
        async with kernel.db.pool.acquire() as conn:
            evaluation = await store.save(conn, done)
        total, total_cpu = time.perf_counter() - started, time.process_time() - cpu
        # CPU seconds beside wall seconds: on a shared machine the wall clock measures the neighbours too.
        print(f"ratings: rebuild {rounds} rounds ({len(games)} maps, {len(done.ratings.players)} players) "
              f"{total:5.1f} s wall, {total_cpu:.1f} s CPU (rating + evaluation {rated:.1f} s wall, "
              f"{rated_cpu:.1f} s CPU; storing {total - rated:.1f} s; target ≤ 30 s); "
              f"walk-forward log loss {evaluation.model.log_loss:.4f} vs elo "
              f"{evaluation.baselines['elo'].log_loss:.4f}, coin 0.6931")


if __name__ == "__main__":
    anyio.run(main)

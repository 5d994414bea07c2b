"""Soak: mixed HTTP load on `slomix run` while imports run beside it, the server `kill -9`ed every
few minutes and restarted. Not part of `bin/bench` without its name (it takes --minutes).

Reports (targets from issue 13): errors while the server is up (0), data divergence from a clean
import of the same files (none), peak memory of `slomix run`, p99 latency, processes leaked (0).

Run: bin/bench soak   or   .venv/bin/python benchmarks/bench_soak.py [--minutes 30] [--kill-every 180]
     [--rounds 3000] [--clients 4]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
from _history import ROOT, SLOMIX, env_for, synthesize
from bench_http import free_port, wait_healthy

FINGERPRINT = """SELECT count(DISTINCT r.id), md5(string_agg(concat_ws('|', r.match_id, r.round_number, r.map_name,
    r.round_time, r.session_start, r.status, r.is_valid, p.guid, p.kills, p.deaths, p.damage_given), ','
    ORDER BY r.round_time, r.round_number, r.map_name, p.guid))
    FROM stats.rounds r JOIN stats.player_rounds p ON p.round_id = r.id"""
PATHS = ["/api/stats/leaderboard?category=kills", "/api/stats/leaderboard?category=dpm", "/health",
         "/api/stats/leaderboard/categories", "/api/stats/sessions", "/api/stats/rounds", "/api/stats/records",
         "/players", "/sessions", "/leaderboards", "/"]


def fingerprint(data_dir: Path) -> list:
    code = ("import asyncio, asyncpg, sys, json\n"
            "from slomix.kernel.embedded import EmbeddedPostgres\n"
            "from pathlib import Path\n"
            "server = EmbeddedPostgres(Path(sys.argv[1]).resolve())\n"
            "url = server.start()\n"
            "async def main():\n"
            "    conn = await asyncpg.connect(url)\n"
            "    print(json.dumps(list(await conn.fetchrow(sys.argv[2]))))\n"
            "    await conn.close()\n"
            "try:\n    asyncio.run(main())\nfinally:\n    server.stop()\n")
    out = subprocess.run([sys.executable, "-c", code, str(data_dir / "pgdata"), FINGERPRINT],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


class Load:
    """Clients asking a mix of pages and JSON; errors counted only while the server is meant to be up."""

    def __init__(self, port: int, clients: int) -> None:
        self.port, self.clients = port, clients
        self.up = threading.Event()
        self.stop = threading.Event()
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.refused_while_down = 0
        self.threads = [threading.Thread(target=self._client, daemon=True) for _ in range(clients)]

    def _client(self) -> None:
        rng = random.Random()
        while not self.stop.is_set():
            if not self.up.is_set():
                time.sleep(0.05)
                continue
            path = rng.choice(PATHS)
            started = time.perf_counter()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
                conn.request("GET", path, headers={"accept": "text/html" if not path.startswith("/api") else "*/*"})
                status = conn.getresponse().status
                conn.close()
            except OSError as error:
                if self.up.is_set():
                    self.errors.append(f"{path}: {type(error).__name__}: {error}")
                else:
                    self.refused_while_down += 1
                continue
            if self.up.is_set():
                self.latencies.append(time.perf_counter() - started)
                if status >= 500:
                    self.errors.append(f"{path}: {status}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--kill-every", type=float, default=180, help="seconds between kill -9s of slomix run")
    parser.add_argument("--rounds", type=int, default=3000, help="synthetic rounds imported during the soak")
    parser.add_argument("--clients", type=int, default=4)
    args = parser.parse_args()
    work = ROOT / ".bench" / "soak"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    files = synthesize(ROOT / ".bench", args.rounds)
    chunks = [work / f"chunk-{n:03d}" for n in range(30)]
    for chunk in chunks:
        chunk.mkdir()
    for index, path in enumerate(sorted(files.glob("*.txt"))):
        os.link(path, chunks[index % len(chunks)] / path.name)

    clean = work / "clean"
    subprocess.run([*SLOMIX, "import", str(files), "--json"], env=env_for(clean), check=True, capture_output=True)
    expected = fingerprint(clean)

    data = work / "data"
    port = free_port()
    env = {**env_for(data), "SLOMIX_HTTP_PORT": str(port), "SLOMIX__ADAPTERS__HTTP__RATE_LIMIT__ENABLED": "false"}
    subprocess.run([*SLOMIX, "migrate"], env=env, check=True, capture_output=True)
    load = Load(port, args.clients)
    for thread in load.threads:
        thread.start()
    peak_rss = 0.0
    kills = restarts = 0
    imports: list[subprocess.Popen] = []
    import_failures: list[str] = []
    deadline = time.monotonic() + args.minutes * 60
    pending = list(chunks)

    def start_run() -> subprocess.Popen:
        run = subprocess.Popen([*SLOMIX, "run"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_healthy(f"http://127.0.0.1:{port}")
        load.up.set()
        return run

    run = start_run()
    next_kill = time.monotonic() + args.kill_every
    try:
        while time.monotonic() < deadline:
            imports = [p for p in imports if p.poll() is None or _done(p, import_failures)]
            if pending and not imports:
                chunk = pending.pop(0)
                log = work / f"{chunk.name}.log"
                imports.append(subprocess.Popen([*SLOMIX, "import", str(chunk), "--batch", "16"], env=env,
                                                stdout=subprocess.DEVNULL, stderr=log.open("w")))
                imports[-1].log = log  # type: ignore[attr-defined]
            try:
                peak_rss = max(peak_rss, psutil.Process(run.pid).memory_info().rss / 2**20)
            except psutil.Error:
                pass
            if time.monotonic() >= next_kill:
                load.up.clear()
                run.send_signal(signal.SIGKILL)
                run.wait()
                kills += 1
                run = start_run()
                restarts += 1
                next_kill = time.monotonic() + args.kill_every
            time.sleep(0.5)
    finally:
        load.up.clear()
        load.stop.set()
        run.send_signal(signal.SIGTERM)
        run.wait(60)
        for process in imports:
            process.wait()
    for process in imports:
        _done(process, import_failures)
    final = subprocess.run([*SLOMIX, "import", str(files), "--json"], env=env, capture_output=True, text=True)
    got = fingerprint(data)
    time.sleep(1)
    leaked = leftovers(data)
    latencies = sorted(load.latencies)
    p99 = latencies[int(len(latencies) * 0.99)] * 1000 if latencies else float("nan")
    print(f"soak: {args.minutes:g} min, {args.clients} clients, kill -9 of slomix run every {args.kill_every:g} s "
          f"({kills} kills, {restarts} restarts), {args.rounds} rounds imported in {len(chunks)} chunks beside it")
    print(f"  requests {len(latencies)}, errors while up {len(load.errors)} (target 0), "
          f"refused while restarting {load.refused_while_down}")
    for error in load.errors[:5]:
        print(f"    {error}")
    print(f"  imports failed: {len(import_failures)}{': ' + import_failures[0] if import_failures else ''}; "
          f"final import exit {final.returncode}")
    print(f"  divergence from a clean import: {'none' if got == expected else f'{got} != {expected}'}")
    print(f"  p99 {p99:.1f} ms, peak memory of slomix run {peak_rss:.0f} MB, leaked processes {len(leaked)}"
          f"{' ' + str(leaked) if leaked else ''} (target 0)")
    shutil.rmtree(work, ignore_errors=True)


def leftovers(data: Path) -> list[int]:
    """Processes still running for this data dir: its PostgreSQL, or a slomix process on it."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        try:
            line = " ".join(process.info["cmdline"] or [])
            if str(data / "pgdata") in line or ("slomix.cli" in line and
                                                process.environ().get("SLOMIX_DATA_DIR") == str(data)):
                found.append(process.pid)
        except psutil.Error:
            continue
    return found


def _done(process: subprocess.Popen, failures: list[str]) -> bool:
    """False once finished (dropping it from the running list); its failure is recorded."""
    if process.poll() is None:
        return True
    if process.returncode not in (0,) and not getattr(process, "counted", False):
        failures.append(f"exit {process.returncode}: {process.log.read_text()[-300:]}")  # type: ignore[attr-defined]
        process.counted = True  # type: ignore[attr-defined]
    return False


if __name__ == "__main__":
    main()

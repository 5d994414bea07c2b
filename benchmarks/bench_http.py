"""HTTP throughput: the leaderboard, player and session JSON routes of `slomix run` on a synthetic history,
beside a bare Starlette JSON route served the same way (uvicorn, one process), measured with wrk.

Target (issue 6): ≥ 1 000 requests/s and p99 ≤ 50 ms on 2 cores; the default access log costs
≤ 15 % of serving a cached answer (issue 13).

Run: .venv/bin/python benchmarks/bench_http.py [--rounds 100000] [--duration 10] [--connections 32]
     [--no-cache]  (every request reaches the database: what the query layer costs)
The history is built once and kept in .bench/ (see _history.py). Needs wrk (apt-get install wrk).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from _history import SLOMIX, env_for, history

_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_bare(port: int) -> None:
    """The baseline: one bare JSON route under uvicorn, nothing else."""
    import uvicorn

    from slomix_http.testing import baseline_app

    uvicorn.run(baseline_app(), host="127.0.0.1", port=port, log_level="warning", access_log=False)


def wait_healthy(url: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not become healthy")


@contextmanager
def process(command: list[str], cwd: Path, env: dict[str, str]):
    # Not a pipe: nobody reads it, and the default configuration's access log would fill it.
    child = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        yield child
    finally:
        child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=30)
        except subprocess.TimeoutExpired:
            child.kill()


def wrk(url: str, duration: int, connections: int) -> dict[str, float]:
    output = subprocess.run(["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", url],
                            check=True, capture_output=True, text=True).stdout
    p99 = re.search(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", output, re.M)
    rate = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    errors = re.search(r"Socket errors: (.*)", output)
    if not (p99 and rate):
        raise RuntimeError(f"cannot read wrk's output:\n{output}")
    return {"rps": float(rate.group(1)), "p99_ms": float(p99.group(1)) * _UNITS[p99.group(2)],
            "bad": int(bad.group(1)) if bad else 0, "errors": errors.group(1) if errors else ""}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=100_000, help="synthetic rounds in the history")
    parser.add_argument("--duration", type=int, default=10, help="seconds per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--no-cache", action="store_true", help="turn the adapter's answer cache off")
    parser.add_argument("--serve-bare", type=int, metavar="PORT", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve_bare:
        serve_bare(args.serve_bare)
        return
    if shutil.which("wrk") is None:
        sys.exit("bench_http: wrk is missing (apt-get install wrk)")
    data_dir = history(args.rounds)
    env = env_for(data_dir)
    # One process, as in production, with the default configuration (its access log included);
    # no rate limit (one client address sends everything).
    env.update({"SLOMIX__ADAPTERS__HTTP__RATE_LIMIT__ENABLED": "false"})
    if args.no_cache:
        env["SLOMIX__ADAPTERS__HTTP__CACHE_SECONDS"] = "0"
    port, bare_port = free_port(), free_port()
    env["SLOMIX_HTTP_PORT"] = str(port)
    with process([*SLOMIX, "run"], data_dir, env), \
            process([sys.executable, __file__, "--serve-bare", str(bare_port)], data_dir, env):
        site, bare = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{bare_port}"
        wait_healthy(site)
        wait_healthy(bare)
        with urllib.request.urlopen(f"{site}/api/stats/leaderboard?category=kills") as response:
            guid = json.load(response)["rows"][0]["guid"]  # the busiest history: the slowest profile
        with urllib.request.urlopen(f"{site}/api/stats/sessions?limit=1") as response:
            latest = json.load(response)[0]["start"]
        targets = {
            "bare Starlette JSON": f"{bare}/json",
            # Every middleware, no database: what the adapter itself costs.
            "slomix, no database": f"{site}/api/stats/leaderboard/categories",
            "leaderboard (dpm)": f"{site}/api/stats/leaderboard?category=dpm",
            "player (top killer)": f"{site}/api/stats/players/{guid}",
            "session (latest)": f"{site}/api/stats/sessions/{latest}",
        }
        print(f"wrk -t1 -c{args.connections} -d{args.duration}s --latency, {os.cpu_count()} cores, "
              f"{args.rounds:,} rounds, answer cache {'off' if args.no_cache else 'on'}")
        for name, url in targets.items():
            urllib.request.urlopen(url).read()  # warm caches and the totals view
            result = wrk(url, args.duration, args.connections)
            verdict = "ok" if result["rps"] >= 1000 and result["p99_ms"] <= 50 else "BELOW TARGET"
            extra = f", {result['bad']} non-2xx" if result["bad"] else ""
            extra += f", socket errors: {result['errors']}" if result["errors"] else ""
            print(f"  {name:22} {result['rps']:8.0f} req/s  p99 {result['p99_ms']:6.1f} ms  {verdict}{extra}")
        logging_cost(data_dir, env, f"{site}/api/stats/leaderboard?category=dpm", args)


def logging_cost(data_dir: Path, env: dict[str, str], url: str, args: argparse.Namespace) -> None:
    """The same answer from the default configuration and from one with log_level = "warning" (no
    access log) on the same database: what logging a request costs (target ≤ 15 %)."""
    line = (data_dir / "pgdata" / "postmaster.pid").read_text().splitlines()
    port = free_port()
    quiet = {**env, "SLOMIX_HTTP_PORT": str(port), "SLOMIX__SLOMIX__LOG_LEVEL": '"warning"',
             # Another data dir (one `slomix run` per data dir), the same database.
             "SLOMIX_DATA_DIR": str(data_dir / "quiet"),
             "SLOMIX_DATABASE_URL": f"postgresql://postgres@/postgres?host={line[4]}"}
    with process([*SLOMIX, "run"], data_dir, quiet):
        quiet_url = url.replace(url.split("/api/")[0], f"http://127.0.0.1:{port}")
        wait_healthy(f"http://127.0.0.1:{port}")
        urllib.request.urlopen(quiet_url).read()
        logged = wrk(url, args.duration, args.connections)["rps"]
        silent = wrk(quiet_url, args.duration, args.connections)["rps"]
    cost = (silent / logged - 1) * 100
    print(f"  access log: {logged:.0f} req/s logged, {silent:.0f} req/s with log_level warning: "
          f"costs {cost:.0f} % {'ok' if cost <= 15 else 'ABOVE TARGET'}")


if __name__ == "__main__":
    main()

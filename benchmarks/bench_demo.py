"""Demo reading speed per real demo, compiled and pure-Python readers, and memory on a 200 MB demo.

Targets (one core): compiled >= 12 MB/s on demo01_legacy.tv_84 (UberDemoTools' C++: 22-35 MB/s),
pure Python >= 1.5 MB/s; memory <= 64 MB for a 200 MB demo.
CPU time of this process, best of N runs (the machine is shared; wall time would measure the neighbours).
Run: .venv/bin/python benchmarks/bench_demo.py [runs] [big_mb]   (default 5 runs, 200 MB; big_mb 0 skips it)
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from slomix.testing.plugin import find_shared_data
from slomix_greatshot.demo import parse
from slomix_greatshot.demo.codec import COMPILED

ROOT = Path(__file__).resolve().parent.parent
NAMES = ("scores_test.dm_84", "demo01_legacy.tv_84", "etpro_capture_test.dm_84")
TARGETS = {"compiled": 12.0, "pure": 1.5}


def best_seconds(path: Path, pure: bool, runs: int) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        parse(path, pure=pure)
        best = min(best, time.process_time() - started)
    return best


def big_demo(source: Path, megabytes: int, folder: str) -> Path:
    """``source`` back to back until ``megabytes``: every copy opens with its own gamestate, as after a map change."""
    data = source.read_bytes()
    end = data.rfind((-1).to_bytes(4, "little", signed=True) * 2)
    body = data[:end] if end == len(data) - 8 else data
    path = Path(folder) / f"big_{megabytes}mb.tv_84"
    with path.open("wb") as out:
        for _ in range(max(1, megabytes * 1_000_000 // len(body))):
            out.write(body)
    return path


def memory_child(path: str, positions: bool | int) -> None:
    """Run in a child process: parse and print seconds, peak RSS before and after (MB), kills, positions."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.process_time()
    demo = parse(path, positions=positions)
    seconds = time.process_time() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(seconds, before, peak, len(demo.kills), len(demo.positions))


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    big_mb = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    data = find_shared_data(ROOT)
    if data is None:
        sys.exit("bench_demo: ../shared/data not found (or set SLOMIX_SHARED_DATA)")
    if not COMPILED:
        print("demo: the compiled reader is not built; only the pure-Python figures mean anything")
    load = os.getloadavg()[0]
    print(f"demo: load average {load:.1f} on {os.cpu_count()} cores (figures drop when the machine is shared)")
    for name in NAMES:
        path = data / "demos" / name
        size = path.stat().st_size / 1e6
        for label, pure in (("compiled", False), ("pure", True)):
            seconds = best_seconds(path, pure, runs if not pure else max(1, runs // 2))
            rate = size / seconds
            target = f"  (target >= {TARGETS[label]} MB/s)" if name == "demo01_legacy.tv_84" else ""
            print(f"demo: {name:26s} {label:8s} {rate:6.2f} MB/s  {seconds * 1000:8.1f} ms for {size:.2f} MB{target}")
    if big_mb:
        with tempfile.TemporaryDirectory(prefix="bench-demo-") as folder:
            path = big_demo(data / "demos" / "demo01_legacy.tv_84", big_mb, folder)
            size = path.stat().st_size / 1e6
            for positions in ("False", "1000", "True"):
                out = subprocess.run([sys.executable, __file__, "--child", str(path), positions],
                                     capture_output=True, text=True, check=True).stdout.split()
                seconds, before, peak = float(out[0]), float(out[1]), float(out[2])
                print(f"demo: {size:.0f} MB ETTV demo, positions={positions:5s} compiled {size / seconds:6.2f} MB/s, "
                      f"peak RSS {peak:.0f} MB ({before:.0f} MB before reading; target: +64 MB at most), "
                      f"{out[3]} kills, {out[4]} positions")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        flag = sys.argv[3]
        memory_child(sys.argv[2], flag == "True" if flag in ("True", "False") else int(flag))
    else:
        main()

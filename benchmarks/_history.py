"""Shared by the stats benchmarks: a synthetic history of N rounds, written and imported once."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "data" / "stats"
SLOMIX = [sys.executable, "-m", "slomix.cli"]


def env_for(data_dir: Path) -> dict[str, str]:
    """Only the stats plugin: figures of the stats plugin, not of whatever else is installed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLOMIX")}
    env["SLOMIX_DATA_DIR"] = str(data_dir)
    for name in ("stopwatch", "predictions", "greatshot", "proximity", "synergy", "servers", "voice", "example"):
        env[f"SLOMIX__PLUGINS__{name.upper()}__ENABLED"] = "false"
    for name in ("discord", "ssh"):
        env[f"SLOMIX__ADAPTERS__{name.upper()}__ENABLED"] = "false"
    return env


def synthesize(folder: Path, rounds: int) -> Path:
    files = folder / f"files-{rounds}"
    if not files.is_dir() or len(list(files.glob("*.txt"))) != rounds:
        subprocess.run([*SLOMIX, "synth", "--rounds", str(rounds), "--out", str(files), "--source", str(SOURCE)],
                       check=True, capture_output=True)
    return files


def timed_import(files: Path, data_dir: Path) -> tuple[float, float]:
    """Import into a fresh database: (seconds, peak resident MB of the importing process)."""
    env = env_for(data_dir)
    subprocess.run([*SLOMIX, "migrate"], env=env, check=True, capture_output=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    subprocess.run([*SLOMIX, "import", str(files), "--json"], env=env, check=True, capture_output=True)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) / 1024


def history(rounds: int) -> Path:
    """A data dir holding an imported synthetic history of ``rounds`` rounds (built once, kept)."""
    folder = ROOT / ".bench"
    data_dir = folder / f"history-{rounds}"
    if not (data_dir / "ready").exists():
        folder.mkdir(exist_ok=True)
        files = synthesize(folder, rounds)
        seconds, peak = timed_import(files, data_dir)
        print(f"(built a {rounds}-round history in {seconds:.0f} s, peak {peak:.0f} MB)")
        (data_dir / "ready").write_text("ok")
    return data_dir

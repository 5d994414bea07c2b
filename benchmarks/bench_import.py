"""Full import of a synthetic history into a fresh database: rounds/s and peak memory.

Targets: ≥ 1 000 rounds/s; ≤ 300 MB peak while importing 100 000 rounds.
Run: .venv/bin/python benchmarks/bench_import.py [rounds]   (default 100000)
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from _history import ROOT, synthesize, timed_import


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    folder = ROOT / ".bench"
    folder.mkdir(exist_ok=True)
    files = synthesize(folder, rounds)
    data_dir = Path(tempfile.mkdtemp(prefix="slomix-bench-", dir=folder))
    try:
        seconds, peak = timed_import(files, data_dir)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    print(f"import: {rounds} synthetic rounds in {seconds:.1f} s = {rounds / seconds:.0f} rounds/s, "
          f"peak RSS {peak:.0f} MB (slomix import, stats plugin only, fresh embedded database)")


if __name__ == "__main__":
    main()

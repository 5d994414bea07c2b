"""The terminal as a user runs it: import the real files, `slomix ratings evaluate --json`,
`slomix ratings rebuild`, and `slomix cmd "!balance <six GUIDs>" --json`."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from slomix.kernel import Config, Kernel

pytestmark = pytest.mark.anyio
SIX = ["D8423F90", "EDBB5DA9", "5D989160", "1C747DF1", "7B84BE88", "652EB4A6"]


def run_cli(url: str, *args, cwd) -> subprocess.CompletedProcess[str]:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("SLOMIX")}, "SLOMIX_DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "slomix.cli", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)


async def test_evaluate_rebuild_and_balance_from_the_terminal(slomix_templates, shared_data, tmp_path) -> None:
    kernel = Kernel(Config({}), only={"stats", "stopwatch", "predictions"}).load()
    url = await slomix_templates.fresh_database(kernel)
    try:
        assert run_cli(url, "import", shared_data / "stats", "--json", cwd=tmp_path).returncode == 0
        done = run_cli(url, "ratings", "evaluate", "--json", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        figures = json.loads(done.stdout)
        assert (figures["n"], figures["draws"]) == (69, 2)
        assert round(figures["model"]["log_loss"], 6) == 0.652222
        assert [round(w, 3) for _, w in figures["weights"]] == [0.0, 0.006, 0.211, 0.783]
        assert {k: round(v["log_loss"], 4) for k, v in figures["baselines"].items()} == {
            "coin": 0.6931, "dpm_share": 0.6922, "elo": 0.6396}
        assert sum(n for _, _, n in figures["reliability"]) == 69
        text = run_cli(url, "ratings", "evaluate", cwd=tmp_path)
        assert "Walk-forward over 69 decided maps" in text.stdout and "kept unpublished" in text.stdout
        rebuilt = run_cli(url, "ratings", "rebuild", "--json", cwd=tmp_path)
        assert json.loads(rebuilt.stdout)["maps"] == 71
        answer = run_cli(url, "cmd", "!balance " + " ".join(SIX), "--json", cwd=tmp_path)
        assert answer.returncode == 0, answer.stderr
        reply = json.loads(answer.stdout)
        a, b = reply["data"]["teams"]
        assert (len(a), len(b)) == (3, 3) and sorted(a + b) == sorted(SIX) and 0.45 < reply["data"]["p_a"] < 0.55
    finally:
        await slomix_templates.drop(url)

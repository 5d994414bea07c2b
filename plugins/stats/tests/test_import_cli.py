"""`slomix import` as a user runs it: summary, idempotency, and surviving a kill at any moment."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time

import anyio
import asyncpg
import pytest

from slomix.kernel import Config, Kernel

pytestmark = pytest.mark.anyio


async def fresh_url(slomix_templates) -> str:
    kernel = Kernel(Config({}), only={"stats"}).load()
    return await slomix_templates.fresh_database(kernel)


def run_cli(url: str, *args, cwd, timeout=120) -> subprocess.CompletedProcess[str]:
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("SLOMIX")}, "SLOMIX_DATABASE_URL": url}
    return subprocess.run([sys.executable, "-m", "slomix.cli", *map(str, args)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=timeout)


def run_import(url: str, *paths, cwd, timeout=120) -> subprocess.CompletedProcess[str]:
    return run_cli(url, "import", *paths, "--json", cwd=cwd, timeout=timeout)


async def dump(url: str, history_dump) -> dict:
    pool = await asyncpg.create_pool(url, min_size=1, max_size=1)
    try:
        return await history_dump(pool)
    finally:
        await pool.close()


async def test_summary_and_second_run(slomix_templates, shared_data, tmp_path) -> None:
    url = await fresh_url(slomix_templates)
    bad = tmp_path / "in" / "2025-10-14-999999-supply-round-1.txt"
    bad.parent.mkdir()
    bad.write_text("garbage\n")
    (tmp_path / "in" / "README").write_text("not a game file")
    first = run_import(url, shared_data / "stats", tmp_path / "in", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert summary["files"] == 168
    assert summary["imported"] + summary["held"] == 166
    assert summary["quarantined"] == 1 and summary["ignored"] == 1
    [problem] = summary["quarantined_files"]
    assert problem["file"].endswith("999999-supply-round-1.txt") and "time" in problem["reason"]
    second = json.loads(run_import(url, shared_data / "stats", cwd=tmp_path).stdout)
    assert second["duplicate"] == 166 and second["imported"] == second["held"] == 0


async def test_missing_path_is_a_usage_error(slomix_templates, tmp_path) -> None:
    result = run_import(await fresh_url(slomix_templates), tmp_path / "nope", cwd=tmp_path)
    assert result.returncode == 2 and "no such file or folder" in result.stderr


async def test_killed_at_any_moment_then_rerun_equals_one_clean_run(slomix_templates, shared_data, tmp_path,
                                                                    history_dump) -> None:
    clean = await fresh_url(slomix_templates)
    assert run_import(clean, shared_data / "stats", cwd=tmp_path).returncode == 0
    expected = await dump(clean, history_dump)

    killed = await fresh_url(slomix_templates)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("SLOMIX")}, "SLOMIX_DATABASE_URL": killed}
    rng = random.Random(7)
    pool = await asyncpg.create_pool(killed, min_size=1, max_size=1)
    partial = []
    try:
        for _ in range(4):
            # Kill once the import has reached a random point (hard kill: no clean-up runs); small
            # batches commit often, and the clean run's one batch of 166 must give the same history.
            before = await pool.fetchval("SELECT count(*) FROM stats.files")
            target = before + rng.randint(1, 30)
            process = subprocess.Popen([sys.executable, "-m", "slomix.cli", "import",  # noqa: ASYNC220
                                        "--batch", "4", str(shared_data / "stats")], cwd=tmp_path, env=env,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 60
            while process.poll() is None and time.monotonic() < deadline:
                if await pool.fetchval("SELECT count(*) FROM stats.files") >= target:
                    break
                await anyio.sleep(0.005)
            process.send_signal(signal.SIGKILL)
            process.wait()
            partial.append(await pool.fetchval("SELECT count(*) FROM stats.files"))
    finally:
        await pool.close()
    assert any(0 < n < 166 for n in partial), partial
    assert run_import(killed, shared_data / "stats", cwd=tmp_path).returncode == 0
    got = await dump(killed, history_dump)
    expected["files"] = [f[:3] for f in expected["files"]]
    got["files"] = [f[:3] for f in got["files"]]
    assert got == expected


async def test_quarantine_lists_and_exports_the_original_bytes(slomix_templates, tmp_path) -> None:
    url = await fresh_url(slomix_templates)
    bad = tmp_path / "in" / "2025-10-14-212214-supply-round-1.txt"
    bad.parent.mkdir()
    bad.write_bytes(b"^7server\\supply\\legacy3\\1\\1\\2\\10:00\\2:18\nABCDEF12\\x\\0\\1\\notanumber 1 2 3 4 5\n")
    assert run_import(url, bad, cwd=tmp_path).returncode == 0
    listed = run_cli(url, "quarantine", "--json", "--export", tmp_path / "out", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    [entry] = json.loads(listed.stdout)
    assert entry["file"] == bad.name and "(line 2)" in entry["reason"]
    assert (tmp_path / "out" / bad.name).read_bytes() == bad.read_bytes()


async def test_merged_lines_are_told_not_silent(slomix_templates, shared_data, tmp_path) -> None:
    """Issue 13, defect 11: a reconnect's second line with one GUID was dropped without a word."""
    url = await fresh_url(slomix_templates)
    source = sorted((shared_data / "stats").glob("*-round-1.txt"))[0]
    lines = source.read_bytes().split(b"\n")
    clone = lines[2].split(b"\\", 1)[0] + b"\\" + lines[1].split(b"\\", 1)[1]  # player 2's GUID twice
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / source.name).write_bytes(b"\n".join([*lines[:3], clone, *lines[3:]]))
    done = run_import(url, folder, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    [note] = json.loads(done.stdout)["notes"]
    assert note["file"].endswith(source.name) and note["note"].startswith("dropped duplicate GUID line(s) of ")
    shown = run_cli(url, "import", folder, cwd=tmp_path)  # a duplicate now: nothing changed, nothing to tell
    assert "note" not in shown.stdout

"""`slomix run` as one process: zero-config start, /health, orderly shutdown on signals."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_health(port: int, process: subprocess.Popen, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"slomix run exited early: {process.stderr.read()}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as response:
                return json.loads(response.read())
        except OSError:
            time.sleep(0.1)
    raise AssertionError("no /health within the timeout")


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_run_with_nothing_configured_serves_health_and_stops_in_order(tmp_path, stop) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLOMIX", "DISCORD"))}
    env["SLOMIX_HTTP_PORT"] = str(port)
    process = subprocess.Popen([sys.executable, "-m", "slomix.cli", "run"], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        health = wait_for_health(port, process)
        assert health["status"] == "ok"
        assert health["database"]["status"] == "ok" and health["database"]["kind"] == "embedded"
        names = {p["name"]: p["status"] for p in health["plugins"]}
        assert names["http"] == names["stats"] == names["discord"] == names["ssh"] == "active"
        process.send_signal(stop)
        _, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0, stderr
    assert "discord adapter idle: set DISCORD_TOKEN" in stderr.replace("\n", " ").replace("  ", " ") \
        or "discord adapter idle" in stderr
    assert "ssh adapter idle" in stderr
    assert f"{signal.Signals(stop).name}, shutting down" in stderr
    # The embedded database lives in the data dir and is stopped with the process.
    assert (tmp_path / ".slomix" / "pgdata" / "PG_VERSION").exists()
    assert not (tmp_path / ".slomix" / "pgdata" / "postmaster.pid").exists()


def test_run_port_flag(tmp_path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLOMIX")}
    process = subprocess.Popen([sys.executable, "-m", "slomix.cli", "run", "--port", str(port)],
                               cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    try:
        assert wait_for_health(port, process)["status"] == "ok"
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == 0

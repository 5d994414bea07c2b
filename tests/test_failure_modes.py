"""Failure modes, run for real: the embedded PostgreSQL's life across ``kill -9``, stale pid files,
one ``slomix run`` per data dir, an HTTP port taken, and the database or disk failing mid-import.

Every test runs real ``slomix`` processes on a data dir of its own (a copy of one migrated once)."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import asyncpg
import psutil
import pytest

from slomix.kernel.backup import entries, schedule
from slomix.kernel.embedded import EmbeddedPostgres

ADAPTERS_OFF = "[adapters.discord]\nenabled = false\n[adapters.ssh]\nenabled = false\n"
QUIET = "[adapters.http]\nenabled = false\n" + ADAPTERS_OFF


def env_for(data: Path, config: str = QUIET) -> dict[str, str]:
    (data.parent / "slomix.toml").write_text(config)
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLOMIX")}
    env.update(SLOMIX_DATA_DIR=str(data), SLOMIX_CONFIG=str(data.parent / "slomix.toml"), COLUMNS="200")
    return env


def slomix(data: Path, *args: str, config: str = QUIET, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "slomix.cli", *args], cwd=data.parent, env=env_for(data, config),
                          capture_output=True, text=True, timeout=timeout)


def start(data: Path, *args: str, config: str = QUIET) -> subprocess.Popen[str]:
    """A ``slomix`` process in the background; its stderr goes to ``stderr.log`` beside the data dir."""
    log = (data.parent / "stderr.log").open("w")
    return subprocess.Popen([sys.executable, "-m", "slomix.cli", *args], cwd=data.parent, env=env_for(data, config),
                            stdout=subprocess.DEVNULL, stderr=log, text=True)


def ready(data: Path, process: subprocess.Popen[str]) -> None:
    """Wait until ``slomix run`` says it is ready (its signal handlers are in place)."""
    log = data.parent / "stderr.log"
    wait_for(lambda: f"ready (PID {process.pid})" in log.read_text(), "ready", process=process)


def stderr_of(data: Path) -> str:
    return (data.parent / "stderr.log").read_text()


def wait_for(condition, what: str, within: float = 60.0, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + within
    while not condition():
        if process is not None and process.poll() is not None:
            raise AssertionError(f"exited {process.returncode} before {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"not {what} after {within} s")
        time.sleep(0.05)


def servers_of(pgdata: Path) -> list[int]:
    """Every live postgres postmaster serving ``pgdata`` (whatever its pid file says)."""
    found = []
    for process in psutil.process_iter(["name", "cmdline", "ppid"]):
        try:
            if process.info["name"] == "postgres" and str(pgdata) in (process.info["cmdline"] or []):
                if psutil.Process(process.info["ppid"]).name() != "postgres":
                    found.append(process.pid)
        except psutil.Error:
            continue
    return found


def stop(process: subprocess.Popen[str]) -> int:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    return process.wait(60)


@pytest.fixture(scope="session")
def migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with every migration applied, its server stopped."""
    data = tmp_path_factory.mktemp("migrated") / "data"
    done = slomix(data, "migrate", timeout=300)
    assert done.returncode == 0, done.stderr
    assert not servers_of((data / "pgdata").resolve())
    return data


@pytest.fixture
def data(migrated: Path, tmp_path: Path) -> Iterator[Path]:
    """This test's own copy of the migrated data dir (``cp -a``: the server's files keep their owner)."""
    copy = tmp_path / "data"
    subprocess.run(["cp", "-a", str(migrated), str(copy)], check=True)
    yield copy
    for pid in servers_of((copy / "pgdata").resolve()):  # a test that failed half-way leaks nothing
        os.kill(pid, signal.SIGQUIT)


def pgdata_of(data: Path) -> Path:
    return (data / "pgdata").resolve()


# -- the embedded server's life ------------------------------------------------------------------------


def test_a_clean_exit_after_a_kill_9_stops_the_server(data: Path) -> None:
    """Defect 3: a SIGKILLed process once stayed in the package's PID list, so no later clean exit
    stopped the server. The last process to leave stops it, whatever happened before."""
    pgdata = pgdata_of(data)
    killed = start(data, "run")
    ready(data, killed)
    killed.send_signal(signal.SIGKILL)
    killed.wait()
    assert servers_of(pgdata), "the server outlives a killed process (its clients may still be there)"
    status = slomix(data, "db", "status", "--json")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout)["database"] == "embedded"
    assert servers_of(pgdata) == [] and not (pgdata / "postmaster.pid").exists()


def test_processes_share_one_server_and_the_last_one_stops_it(data: Path) -> None:
    pgdata = pgdata_of(data)
    running = start(data, "run")
    try:
        ready(data, running)
        server = servers_of(pgdata)
        beside = slomix(data, "cmd", "!last_session", "--json")
        assert beside.returncode in (0, 1), beside.stderr  # an empty history is a reply, not a crash
        assert json.loads(beside.stdout)["title"]
        assert servers_of(pgdata) == server, "a command beside `slomix run` leaves its server alone"
    finally:
        assert stop(running) == 0, stderr_of(data)
    assert servers_of(pgdata) == []


def test_a_stale_pid_file_naming_another_process_is_recovered(data: Path) -> None:
    """Defect 2: after a restart the PID in postmaster.pid belongs to something else (here: a sleep)."""
    pgdata = pgdata_of(data)
    other = subprocess.Popen(["sleep", "120"])
    try:
        (pgdata / "postmaster.pid").write_text(
            f"{other.pid}\n{pgdata}\n{int(time.time())}\n5432\n{pgdata}\n\n  5432001    32768\nready   \n")
        status = slomix(data, "db", "status", "--json")
        assert status.returncode == 0, status.stderr
        assert "not this data dir's server: removed it" in status.stderr
        assert other.poll() is None, "the process that now has the PID was not signalled"
    finally:
        other.kill()
        other.wait()
    assert servers_of(pgdata) == []


# -- one instance per data dir; an adapter that cannot serve --------------------------------------------


def test_a_second_run_on_one_data_dir_is_refused_naming_the_holder(data: Path) -> None:
    """Defect 4: two `slomix run` on one data dir both served."""
    first = start(data, "run")
    try:
        ready(data, first)
        second = slomix(data, "run", timeout=60)
        assert second.returncode == 9, second.stderr
        assert f"in use by another `slomix run` (PID {first.pid})" in second.stderr
        assert first.poll() is None
    finally:
        assert stop(first) == 0, stderr_of(data)
    again = start(data, "run")  # the lock went with the process
    try:
        ready(data, again)
    finally:
        assert stop(again) == 0, stderr_of(data)


def test_an_http_port_taken_ends_run_with_exit_4_and_one_line(data: Path) -> None:
    """Defect 5: the process went on without HTTP, healthy in a supervisor's eyes."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        config = f"[adapters.http]\nhost = \"127.0.0.1\"\nport = {port}\n" + ADAPTERS_OFF
        done = slomix(data, "run", config=config, timeout=120)
    assert done.returncode == 4, done.stderr
    assert f"plugin 'http': cannot serve: RuntimeError: cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr
    assert servers_of(pgdata_of(data)) == []


# -- the database or the disk failing mid-import --------------------------------------------------------

FINGERPRINT = """SELECT count(DISTINCT r.id), md5(string_agg(concat_ws('|', r.match_id, r.round_number, r.map_name,
    r.round_time, r.session_start, r.status, r.is_valid, p.guid, p.kills, p.deaths, p.damage_given), ','
    ORDER BY r.round_time, r.round_number, r.map_name, p.guid))
    FROM stats.rounds r JOIN stats.player_rounds p ON p.round_id = r.id"""


def fetch(url: str, sql: str) -> tuple:
    async def run() -> tuple:
        conn = await asyncpg.connect(url)
        try:
            return tuple(await conn.fetchrow(sql))
        finally:
            await conn.close()

    return asyncio.run(run())


def query(data: Path, sql: str) -> tuple:
    """One row, read through a server this test process starts (and stops, being its last user)."""
    return through(data, lambda url: fetch(url, sql))


def through(data: Path, read):
    server = EmbeddedPostgres(pgdata_of(data))
    url = server.start()
    try:
        return read(url)
    finally:
        server.stop()


def url_of(pgdata: Path) -> str:
    """The running server's URL, from its postmaster.pid (the socket folder is its fifth line)."""
    return f"postgresql://postgres@/postgres?host={(pgdata / 'postmaster.pid').read_text().splitlines()[4]}"


@pytest.fixture(scope="session")
def clean_import(migrated: Path, tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> tuple:
    """The real stats files imported once, undisturbed: what every failed import must converge to."""
    data = tmp_path_factory.mktemp("clean") / "data"
    subprocess.run(["cp", "-a", str(migrated), str(data)], check=True)
    done = slomix(data, "import", str(shared_data / "stats"), "--json", timeout=300)
    assert done.returncode == 0, done.stderr
    return query(data, FINGERPRINT)


def killed_postmaster_while(data: Path, process: subprocess.Popen[str], rounds: int) -> None:
    """SIGKILL the postmaster once ``rounds`` rounds are committed."""
    pgdata = pgdata_of(data)
    wait_for(lambda: (pgdata / "postmaster.pid").exists() and
             len((pgdata / "postmaster.pid").read_text().splitlines()) >= 8 and
             "ready" in (pgdata / "postmaster.pid").read_text(), "the server up", process=process)

    def committed() -> bool:
        try:
            return fetch(url_of(pgdata), "SELECT count(*) FROM stats.rounds")[0] >= rounds
        except (OSError, asyncpg.PostgresError):
            return False

    wait_for(committed, f"{rounds} rounds committed", process=process)
    pid = int((pgdata / "postmaster.pid").read_text().split()[0])
    os.kill(pid, signal.SIGKILL)


def test_the_database_killed_mid_import_stops_it_with_exit_5_and_a_summary(data: Path, shared_data: Path,
                                                                        clean_import: tuple) -> None:
    """Defect 1: exit 1, a psutil traceback and no summary."""
    importing = subprocess.Popen([sys.executable, "-m", "slomix.cli", "import", str(shared_data / "stats"),
                                  "--batch", "1", "--json"], cwd=data.parent, env=env_for(data),
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    killed_postmaster_while(data, importing, rounds=20)
    out, err = importing.communicate(timeout=120)
    (data.parent / "import.err").write_text(err)
    assert importing.returncode == 5, err
    assert "Traceback" not in err
    assert "slomix: import stopped: the database failed" in err
    summary = json.loads(out)
    assert summary["quarantined"] == 0 and summary["failed"] == 0
    handled = sum(summary[k] for k in ("imported", "updated", "duplicate", "held"))
    assert summary["imported"] > 0 and summary["not_stored"] > 0, summary
    assert handled + summary["not_stored"] == summary["files"] == 166, summary
    assert servers_of(pgdata_of(data)) == []
    again = slomix(data, "import", str(shared_data / "stats"), "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["quarantined"] == 0
    assert query(data, FINGERPRINT) == clean_import


def test_a_full_disk_mid_import_stops_it_with_exit_5_and_nothing_quarantined(migrated: Path, tmp_path: Path,
                                                                           shared_data: Path,
                                                                           clean_import: tuple) -> None:
    """Defect 1: on a full disk 1 616 good files were reported quarantined and the import exited 0.
    The data dir is a tmpfs with half a megabyte more than the migrated database."""
    disk = tmp_path / "disk"
    disk.mkdir()
    used = int(subprocess.run(["du", "-sk", str(migrated)], capture_output=True, text=True).stdout.split()[0])
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={used + 512}k", "tmpfs", str(disk)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        data = disk / "data"
        subprocess.run(["cp", "-a", str(migrated), str(data)], check=True)
        done = slomix(data, "import", str(shared_data / "stats"), "--batch", "4", "--json")
        assert done.returncode == 5, done.stderr
        assert "Traceback" not in done.stderr
        assert "slomix: import stopped: the database failed" in done.stderr
        summary = json.loads(done.stdout)
        assert summary["quarantined"] == 0 and summary["failed"] == 0 and summary["not_stored"] > 0
        assert servers_of(pgdata_of(data)) == []
        subprocess.run(["mount", "-o", "remount,size=200m", str(disk)], check=True)  # room again
        again = slomix(data, "import", str(shared_data / "stats"), "--json")
        assert again.returncode == 0, again.stderr
        assert query(data, FINGERPRINT) == clean_import
    finally:
        for pid in servers_of((disk / "data" / "pgdata").resolve()):
            os.kill(pid, signal.SIGQUIT)
        subprocess.run(["umount", "-l", str(disk)], check=False)


# -- backups ------------------------------------------------------------------------------------------------


def every_table(url: str) -> dict[str, tuple[int, str]]:
    """Each table outside PostgreSQL's own schemas: its rows' count and a digest of their text."""
    async def run() -> dict[str, tuple[int, str]]:
        conn = await asyncpg.connect(url)
        try:
            names = [r["name"] for r in await conn.fetch(
                """SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
                   WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1""")]
            return {name: tuple(await conn.fetchrow(
                f"SELECT count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) FROM {name} t"))
                for name in names}
        finally:
            await conn.close()

    return asyncio.run(run())


def test_a_backup_restores_into_a_new_data_dir_table_for_table(data: Path, tmp_path: Path, shared_data: Path) -> None:
    imported = slomix(data, "import", str(shared_data / "stats"), "--json")
    assert imported.returncode == 0, imported.stderr
    file = tmp_path / "nightly.dump"
    made = slomix(data, "backup", str(file))
    assert made.returncode == 0, made.stderr
    assert f"backup written: {file}" in made.stdout and not (tmp_path / "nightly.dump.partial").exists()
    before = through(data, every_table)
    assert before["stats.rounds"][0] == 166 and len(before) >= 30

    fresh = tmp_path / "new" / "data"
    fresh.parent.mkdir()
    restored = slomix(fresh, "restore", str(file))
    assert restored.returncode == 0, restored.stderr
    assert f"restored {file}: " in restored.stdout
    assert through(fresh, every_table) == before

    refused = slomix(fresh, "restore", str(file))
    assert refused.returncode == 2 and "is not empty" in refused.stderr and "--force" in refused.stderr
    forced = slomix(fresh, "restore", str(file), "--force")
    assert forced.returncode == 0, forced.stderr
    assert through(fresh, every_table) == before
    (tmp_path / "junk.dump").write_bytes(b"not a dump")
    junk = slomix(fresh, "restore", str(tmp_path / "junk.dump"))
    assert junk.returncode == 2 and "is not a Slomix backup" in junk.stderr
    assert servers_of(pgdata_of(fresh)) == [] and servers_of(pgdata_of(data)) == []


@pytest.mark.anyio
async def test_the_daily_backup_runs_at_its_time_and_keeps_the_newest(make_kernel, tmp_path: Path) -> None:
    folder = tmp_path / "backups"
    kernel = await make_kernel(plugins={"stats"}, config={"slomix": {"backup": {
        "daily_at": "03:30", "timezone": "Europe/Paris", "keep": 2, "folder": str(folder)}}})
    schedule(kernel)
    [job] = [j for j in kernel.scheduler.jobs() if j.name == "kernel.backup"]
    local = job.next_run.astimezone(ZoneInfo("Europe/Paris"))
    assert (local.hour, local.minute) == (3, 30)
    await kernel.scheduler.clock.advance(3 * 86400)
    kept = sorted(p.name for p in folder.iterdir())
    assert len(kept) == 2 and all(name.endswith("-033000.dump") for name in kept), kept
    assert entries(folder / kept[-1]) >= 5  # a real dump pg_restore reads


# -- doctor -------------------------------------------------------------------------------------------------


def findings(done: subprocess.CompletedProcess[str]) -> dict[str, tuple[str, str]]:
    return {f["check"]: (f["level"], f["detail"]) for f in json.loads(done.stdout)}


def test_doctor_finds_a_leaked_server_and_a_stale_pid_file_and_says_what_to_do(data: Path) -> None:
    pgdata = pgdata_of(data)
    healthy = slomix(data, "doctor", "--json")
    assert healthy.returncode == 0, healthy.stderr
    found = findings(healthy)
    assert found["slomix run"] == ("ok", "none serves this data dir") and found["migrations"][0] == "ok"
    assert found["embedded server"] == ("ok", "stopped")

    running = start(data, "run")
    ready(data, running)
    beside = findings(slomix(data, "doctor", "--json"))
    assert beside["slomix run"] == ("ok", f"PID {running.pid} serves this data dir")
    running.send_signal(signal.SIGKILL)
    running.wait()
    [server] = servers_of(pgdata)
    leaked = slomix(data, "doctor", "--json")
    assert leaked.returncode == 1, leaked.stderr  # warnings only
    assert findings(leaked)["embedded server"] == (
        "warning", f"PostgreSQL (PID {server}) runs with no Slomix process using it")
    assert servers_of(pgdata) == []  # the doctor, last to leave, stopped it

    other = subprocess.Popen(["sleep", "120"])
    try:
        (pgdata / "postmaster.pid").write_text(f"{other.pid}\n{pgdata}\n0\n5432\n{pgdata}\n\n  0 0\nready   \n")
        stale = findings(slomix(data, "doctor", "--json"))
        assert stale["pid file"] == ("warning", f"postmaster.pid names PID {other.pid}, which is 'sleep', "
                                                "not this data dir's server")
        assert stale["database"][0] == "ok"  # and it recovered
    finally:
        other.kill()
        other.wait()

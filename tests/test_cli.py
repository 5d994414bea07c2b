"""The `slomix` command as a user runs it: one clear line and a distinct exit code per failure."""

from __future__ import annotations

import json

import pytest

from slomix.kernel import ExitCode

ALL = {("stats", "plugin"), ("stopwatch", "plugin"), ("predictions", "plugin"),
       ("greatshot", "plugin"), ("proximity", "plugin"), ("synergy", "plugin"),
       ("discord", "adapter"), ("http", "adapter"), ("ssh", "adapter")}


def test_plugins_json_lists_six_plugins_and_three_adapters(slomix_cli, tmp_path) -> None:
    result = slomix_cli("plugins", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert ALL <= {(r["name"], r["kind"]) for r in rows}
    for row in rows:
        assert set(row) == {"name", "kind", "version", "enabled", "status", "error", "declares"}
    stats = next(r for r in rows if r["name"] == "stats")
    declares = stats.pop("declares")
    assert stats == {"name": "stats", "kind": "plugin", "version": "0.1.0", "enabled": True,
                     "status": "loaded", "error": None}
    assert {"on_file", "on_command", "on_http_route", "on_migrations"} <= set(declares)


def test_plugins_table_and_config_switch(slomix_cli, tmp_path) -> None:
    (tmp_path / "slomix.toml").write_text("[plugins.greatshot]\nenabled = false\n")
    result = slomix_cli("plugins", cwd=tmp_path)
    assert result.returncode == 0
    line = next(line for line in result.stdout.splitlines() if "greatshot" in line)
    assert "False" in line and "disabled" in line


def test_help_lists_kernel_commands(slomix_cli, tmp_path) -> None:
    result = slomix_cli("--help", cwd=tmp_path)
    assert result.returncode == 0
    for word in ("run", "plugins", "migrate", "cmd", "new-plugin", "status", "db"):
        assert word in result.stdout


def test_bad_config_value_exit_code(slomix_cli, tmp_path) -> None:
    (tmp_path / "slomix.toml").write_text("[adapters.http]\nport = 'eighty'\n")
    result = slomix_cli("plugins", cwd=tmp_path)
    assert result.returncode == ExitCode.CONFIG
    assert result.stderr.strip().splitlines() == [
        "slomix: config error at adapters.http.port: Expected `int`, got `str`"]


def test_broken_plugin_exit_code(slomix_cli, tmp_path, broken_plugin_path) -> None:
    env = {"PYTHONPATH": str(broken_plugin_path)}
    result = slomix_cli("plugins", "--json", cwd=tmp_path, env=env)
    assert result.returncode == ExitCode.PLUGIN
    broken = next(r for r in json.loads(result.stdout) if r["name"] == "broken")
    assert broken["status"] == "failed" and "broken on purpose" in broken["error"]
    assert "plugin 'broken' failed: import failed" in result.stderr


def test_unreachable_database_exit_code(slomix_cli, tmp_path) -> None:
    env = {"SLOMIX_DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none"}
    result = slomix_cli("migrate", cwd=tmp_path, env=env)
    assert result.returncode == ExitCode.DATABASE
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("slomix: database unreachable at postgresql://nobody@127.0.0.1:9/none")


def test_unknown_command_exit_code(slomix_cli, tmp_path) -> None:
    result = slomix_cli("cmd", "!helo", cwd=tmp_path)
    assert result.returncode == ExitCode.UNKNOWN_COMMAND
    assert result.stderr.strip().splitlines() == ["slomix: unknown command 'helo'"] or \
        "unknown command 'helo'" in result.stderr


def test_usage_error_exit_code(slomix_cli, tmp_path) -> None:
    result = slomix_cli("frobnicate", cwd=tmp_path)
    assert result.returncode == ExitCode.USAGE
    assert "invalid choice: 'frobnicate'" in result.stderr
    for batch, reason in (("0", "0: at least 1"), ("many", "'many' is not a whole number")):
        refused = slomix_cli("import", "--batch", batch, str(tmp_path), cwd=tmp_path)
        assert refused.returncode == ExitCode.USAGE
        assert f"argument --batch: {reason}" in refused.stderr
    missing = slomix_cli("cmd", "!help", "--file", str(tmp_path / "nope.pk3"), cwd=tmp_path)
    assert missing.returncode == ExitCode.USAGE and "nope.pk3: no such file" in missing.stderr


def test_migrate_and_db_status_on_the_embedded_database(slomix_cli, tmp_path) -> None:
    env = {"SLOMIX_DATA_DIR": str(tmp_path / "data")}
    migrate = slomix_cli("migrate", cwd=tmp_path, env=env)
    assert migrate.returncode == 0, migrate.stderr
    assert "applied kernel 0001_kernel" in migrate.stdout
    again = slomix_cli("migrate", cwd=tmp_path, env=env)
    assert "0 migration(s) applied" in again.stdout
    status = slomix_cli("db", "status", "--json", cwd=tmp_path, env=env)
    assert status.returncode == 0, status.stderr
    report = json.loads(status.stdout)
    assert report["database"] == "embedded"
    assert {"plugin": "kernel", "version": 1, "name": "kernel", "state": "applied"}.items() <= \
        report["migrations"][0].items()


def test_new_plugin_refuses_to_overwrite_and_bad_names(slomix_cli, tmp_path) -> None:
    # What it writes, and that it installs and passes its own test: tests/test_scaffold.py.
    result = slomix_cli("new-plugin", "killfeed", "--dir", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "slomix-killfeed" / "slomix_killfeed" / "migrations" / "0001_seen.sql").exists()
    refused = slomix_cli("new-plugin", "killfeed", "--dir", str(tmp_path), cwd=tmp_path)
    assert refused.returncode == ExitCode.USAGE and "already exists" in refused.stderr
    bad = slomix_cli("new-plugin", "Kill-Feed", cwd=tmp_path)
    assert bad.returncode == ExitCode.USAGE
    taken = slomix_cli("new-plugin", "stats", cwd=tmp_path)
    assert taken.returncode == ExitCode.USAGE and "taken by an installed" in taken.stderr


@pytest.mark.parametrize("as_json", [True, False])
def test_cmd_prints_the_reply(slomix_cli, tmp_path, as_json) -> None:
    env = {"SLOMIX_DATA_DIR": str(tmp_path / "data")}
    args = ["cmd", "!help"] + (["--json"] if as_json else [])
    result = slomix_cli(*args, cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    if as_json:
        reply = json.loads(result.stdout)
        assert reply["title"] == "Commands"
        assert any(f["name"] == "help" for f in reply["fields"]) or "help" in json.dumps(reply)
    else:
        assert "Commands" in result.stdout


def test_import_batches_are_bounded_in_files_and_bytes(tmp_path, monkeypatch) -> None:
    from slomix import ingest

    sizes = [10, 10, 10, 40, 10, 10]
    paths = []
    for i, size in enumerate(sizes):
        path = tmp_path / f"{i}.txt"
        path.write_bytes(b"x" * size)
        paths.append(path)
    monkeypatch.setattr(ingest, "BATCH_BYTES", 45)
    assert [[p.name for p in b] for b in ingest.batches(paths, most=2)] == [
        ["0.txt", "1.txt"], ["2.txt"], ["3.txt"], ["4.txt", "5.txt"]]
    # Without the count limit, a file that would overflow the bytes starts the next batch.
    assert [len(b) for b in ingest.batches(paths, most=256)] == [3, 1, 2]

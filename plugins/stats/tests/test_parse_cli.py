"""`slomix parse FILE... --json` as a user runs it: one object per file, values from the files."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from slomix_stats.formats import parse_stats, r2_differential


def parse_cli(*args, cwd):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLOMIX")}
    return subprocess.run([sys.executable, "-m", "slomix.cli", "parse", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60)


def test_r1_and_r2_with_the_differential(shared_data, tmp_path) -> None:
    r1 = shared_data / "stats" / "2025-10-14-212214-etl_adlernest-round-1.txt"
    r2 = shared_data / "stats" / "2025-10-14-212521-etl_adlernest-round-2.txt"
    result = parse_cli(r2, r1, "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["file"] == str(r2) and first["round"] == 2 and first["r1_file"] == r1.name
    assert second["round"] == 1 and second["r1_file"] is None
    assert set(first) >= {"file", "map", "round", "header", "defender", "winner", "duration_seconds", "r1_file",
                          "players"}
    expected = r2_differential(parse_stats(r1.read_bytes(), r1.name), parse_stats(r2.read_bytes(), r2.name))
    by_guid = {p["guid"]: p for p in first["players"]}
    for p in expected.players:
        got = by_guid[p.guid]
        assert (got["kills"], got["deaths"], got["damage_given"], got["time_played_seconds"]) == \
            (p.kills, p.deaths, p.damage_given, p.time_played_seconds)
    endekk = by_guid["7B84BE88"]
    assert (endekk["kills"], endekk["deaths"], endekk["damage_given"], endekk["time_played_seconds"]) == \
        (4, 3, 842, 138)
    for key in ("gibs", "xp", "kill_assists", "headshot_kills", "revives_given", "times_revived",
                "denied_playtime", "weapons", "clean_name", "dpm", "accuracy", "efficiency"):
        assert key in endekk
    assert set(endekk["weapons"]["WS_MP40"]) == {"hits", "shots", "kills", "deaths", "headshots"}


def test_r1_found_in_the_r2s_folder(shared_data, tmp_path) -> None:
    r2 = shared_data / "stats" / "2025-10-14-212521-etl_adlernest-round-2.txt"
    [line] = parse_cli(r2, "--json", cwd=tmp_path).stdout.splitlines()
    assert json.loads(line)["r1_file"] == "2025-10-14-212214-etl_adlernest-round-1.txt"


def test_bad_file_prints_an_error_and_exits_non_zero(shared_data, tmp_path) -> None:
    good = shared_data / "stats" / "2025-10-14-212214-etl_adlernest-round-1.txt"
    bad = tmp_path / "2025-10-14-212214-etl_adlernest-round-1.txt"
    lines = good.read_bytes().split(b"\n")
    lines[2] = lines[2][:30]
    bad.write_bytes(b"\n".join(lines))
    result = parse_cli(bad, good, "--json", cwd=tmp_path)
    assert result.returncode == 1
    first, second = (json.loads(line) for line in result.stdout.splitlines())
    assert first["file"] == str(bad) and first["error"].endswith("(line 3)")
    assert "players" in second  # the rest goes on
    missing = parse_cli(tmp_path / "nope.txt", "--json", cwd=tmp_path)
    assert missing.returncode == 1 and "error" in json.loads(missing.stdout)


def test_every_real_file_parses(shared_data, tmp_path) -> None:
    files = sorted((shared_data / "stats").glob("*.txt"))
    result = parse_cli(*files, "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-500:]
    assert len(result.stdout.splitlines()) == len(files)

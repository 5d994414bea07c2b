"""`slomix demo parse|cut` as a user runs them."""

from __future__ import annotations

import json
import os
import subprocess
import sys


def demo_cli(*args, cwd):
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLOMIX")}
    return subprocess.run([sys.executable, "-m", "slomix.cli", "demo", *map(str, args)], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


def test_parse_json_one_line_per_file_and_a_bad_file_does_not_stop_the_others(demo_dir, tmp_path, references):
    bad = tmp_path / "broken.dm_84"
    good = (demo_dir / "scores_test.dm_84").read_bytes()
    bad.write_bytes(good[:9000] + bytes(200) + good[9200:])  # garbage inside the first snapshot
    result = demo_cli("parse", demo_dir / "scores_test.dm_84", bad, demo_dir / "etpro_capture_test.dm_84",
                      "--json", cwd=tmp_path)
    assert result.returncode == 1
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["file"] for line in lines] == [str(demo_dir / "scores_test.dm_84"),
                                                 str(demo_dir / "etpro_capture_test.dm_84")]
    first = lines[0]
    assert set(first) == {"file", "protocol", "mod", "map", "pov", "start_ms", "end_ms", "players", "kills"}
    assert (first["protocol"], first["mod"], first["map"], first["pov"]) == (84, "legacy", "adlernest",
                                                                             {"client": 0, "name": "xdd"})
    ref = references["scores_test.dm_84"]["kills"]
    assert [(k["time_ms"], k["attacker"], k["victim"]) for k in first["kills"]] == [
        (r["server_time_ms"], r["attacker_client"], r["victim_client"]) for r in ref]
    assert first["kills"][3] == {"time_ms": 58150, "attacker": 3, "victim": 2, "weapon": "mp40", "mod": "mp40",
                                 "headshot": True, "attacker_team": "axis", "victim_team": "allies"}
    assert first["players"][5] == {"client": 5, "name": "[BOT]Nohope", "team": "axis"}
    (error,) = result.stderr.strip().splitlines()
    assert error.startswith(f"{bad}: offset 8901, message 1: ")


def test_parse_summary_names_the_map_recorder_and_kills(demo_dir, tmp_path):
    result = demo_cli("parse", demo_dir / "etpro_capture_test.dm_84", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "supply (etpro 3.2.6, protocol 84)" in result.stdout
    assert "recorded by EDiT-Kevin" in result.stdout
    assert "6 kills" in result.stdout and "TLR.wzzrd Sheep" in result.stdout

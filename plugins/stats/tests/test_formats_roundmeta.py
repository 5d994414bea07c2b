"""Round-end webhook payload and gametime files (spec §9.2)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import msgspec
import pytest

sys.path.insert(0, str(Path(__file__).parent))
from formats_helpers import ALLIES, AXIS, PAUSES, SPAWNS, embed, gametime_doc

from slomix_stats.formats import ParseError, PauseEvent, SpawnStat, TeamPlayer, parse_gametime, parse_round_end_payload


def test_embed_payload():
    m = parse_round_end_payload(embed())
    assert (m.map, m.round, m.winner, m.defender) == ("etl_adlernest", 1, 2, 1)
    assert (m.actual_duration_seconds, m.time_limit_minutes, m.pause_count, m.total_pause_seconds) == (138, 10.0, 1, 60)
    assert (m.end_reason, m.warmup_seconds, m.warmup_start_unix) == ("objective", 45, 1760468890)
    assert (m.round_start_unix, m.round_end_unix) == (1760468935, 1760469133)
    assert (m.surrender_team, m.surrender_caller_guid, m.surrender_caller_name) == (0, None, None)
    assert (m.axis_score, m.allies_score, m.lua_version) == (0, 1, "1.7.2")
    assert m.axis_players == tuple(TeamPlayer(**p) for p in AXIS)
    assert m.allies_players == (TeamPlayer(**ALLIES[0]),)
    assert m.pauses == (PauseEvent(1, 1760469100, 1760469160, 60),)
    assert m.spawn_summary.startswith("Players:3") and m.spawn_stats == ()


def test_embed_payload_as_bytes_and_fractional_time_limit():
    m = parse_round_end_payload(json.dumps(embed(Lua_Timelimit="12.5 min")).encode())
    assert m.time_limit_minutes == 12.5


def test_old_script_without_newer_fields():
    old = embed()
    old["embeds"][0]["fields"] = [f for f in old["embeds"][0]["fields"] if not f["name"].startswith(
        ("Lua_Surrender", "Lua_AxisScore", "Lua_AlliesScore", "Lua_Pauses_JSON", "Lua_SpawnSummary"))]
    old["embeds"][0]["fields"].append({"name": "Something_New", "value": "ignored"})
    m = parse_round_end_payload(old)
    assert m.surrender_team is None and m.pauses == () and m.axis_score is None


def test_flat_payload():
    flat = {"map": "supply", "round": 2, "winner": 1, "defender": 1, "round_start_unix": 1760470000,
            "round_end_unix": 1760470500, "actual_duration_seconds": 440, "total_pause_seconds": 60,
            "pause_count": 1, "end_reason": "surrender", "warmup_seconds": 30, "time_limit_minutes": 12,
            "surrender_team": 2, "surrender_caller_guid": "7B84BE88" + "C" * 24, "surrender_caller_name": "endekk",
            "axis_score": 1, "allies_score": 1, "axis_players": AXIS, "allies_players": ALLIES, "pauses": PAUSES,
            "spawn_stats": SPAWNS, "lua_version": "1.7.2", "unknown_key": [1, 2]}
    m = parse_round_end_payload(flat)
    assert (m.map, m.round, m.end_reason, m.surrender_team, m.time_limit_minutes) == ("supply", 2, "surrender", 2, 12.0)
    assert m.spawn_stats == (SpawnStat(**SPAWNS[0]),)
    assert parse_round_end_payload(msgspec.json.encode(flat)) == m


@pytest.mark.parametrize(("payload", "where"), [
    (embed(Round="one"), "embeds[0].fields[Round]: expected an integer"),
    (embed(Lua_Playtime="138"), "embeds[0].fields[Lua_Playtime]"),
    (embed(Lua_Pauses="x"), "embeds[0].fields[Lua_Pauses]"),
    (embed(Axis_JSON="[{"), "embeds[0].fields[Axis_JSON]: invalid JSON"),
    (embed(Axis_JSON='[{"guid": 5, "name": "x"}]'), "embeds[0].fields[Axis_JSON][0].guid"),
    (embed(Winner="7"), "embeds[0].fields[Winner]"),
    (embed(Map=""), "embeds[0].fields[Map]"),
    ({"embeds": "x"}, "embeds: expected a list"),
    ({"embeds": [{"fields": [{"name": 1}]}]}, "embeds[0].fields[0]"),
    ({"map": "supply", "round": "2"}, "$.round: Expected 'int', got 'str'"),
    ({"map": "supply"}, "missing required field 'round'"),
    ({"map": "supply", "round": 1, "axis_players": [{"guid": "x"}]}, "$.axis_players[0]"),
    ({"map": "supply", "round": 1, "pauses": [{"n": 1, "start": -5, "end": 0, "sec": 0}]}, "$.pauses[0].start"),
    ({"map": "../etc", "round": 1}, "$.map"),
    ([1, 2], "expected a JSON object"),
    (b"{not json", "invalid JSON"),
])
def test_bad_payloads_name_the_key_path(payload, where):
    with pytest.raises(ParseError) as err:
        parse_round_end_payload(payload)
    assert where in err.value.reason


GAMETIME = "gametime-etl_adlernest-R1-1760469133.json"


def test_gametime_file():
    m = parse_gametime(json.dumps(gametime_doc()).encode(), GAMETIME)
    assert m.spawn_stats == (SpawnStat(**SPAWNS[0]),)
    assert (m.server_ip, m.server_port, m.match_id) == (None, "27960", "1760469133")
    assert (m.map, m.round, m.round_end_unix, m.actual_duration_seconds, m.lua_version) == (
        "etl_adlernest", 1, 1760469133, 138, "1.7.2")
    assert m.axis_players == parse_round_end_payload(embed()).axis_players


def test_gametime_without_payload_uses_meta():
    doc = gametime_doc()
    del doc["payload"]
    m = parse_gametime(json.dumps(doc), GAMETIME)
    assert (m.total_pause_seconds, m.pause_count, m.warmup_seconds, m.winner) == (60, 1, 45, None)


@pytest.mark.parametrize(("doc", "name", "reason"), [
    (gametime_doc(round=2), GAMETIME, "file name says R1"),
    (gametime_doc(map="supply"), GAMETIME, "differs from $.meta.map"),
    (gametime_doc(round_end_unix="x"), GAMETIME, "$.meta.round_end_unix"),
    ({"payload": {}}, GAMETIME, "$.meta"),
    (gametime_doc(), "2025-10-14-212214-etl_adlernest-round-1.txt", "expected a gametime file name"),
    (gametime_doc(), "gametime-etl_adlernest-R1-x.json", "not a gametime file name"),
])
def test_bad_gametime(doc, name, reason):
    with pytest.raises(ParseError) as err:
        parse_gametime(json.dumps(doc), name)
    assert reason in err.value.reason


def test_gametime_payload_must_agree_with_meta():
    doc = gametime_doc()
    doc["payload"] = embed(Map="supply")
    with pytest.raises(ParseError, match=r"\$.payload is supply R1"):
        parse_gametime(json.dumps(doc), GAMETIME)


def test_gametime_payload_errors_name_the_path_inside_the_file():
    doc = gametime_doc()
    doc["payload"] = embed(Round="x")
    with pytest.raises(ParseError, match=r"^\$\.payload\.embeds\[0\]\.fields\[Round\]: expected an integer"):
        parse_gametime(json.dumps(doc), GAMETIME)
    doc["payload"] = {"map": "etl_adlernest", "round": "1"}
    with pytest.raises(ParseError, match=r"^\$\.payload\.round: Expected 'int'"):
        parse_gametime(json.dumps(doc), GAMETIME)


def test_json_nested_past_reason_is_a_parse_error_naming_the_file():
    deep = b'{"meta": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    with pytest.raises(ParseError, match=r"invalid JSON: nested too deeply"):
        parse_gametime(deep, GAMETIME)
    with pytest.raises(ParseError, match=r"nested too deeply"):
        parse_round_end_payload(b'{"embeds": ' + b"[" * 5000 + b"]" * 5000 + b"}")

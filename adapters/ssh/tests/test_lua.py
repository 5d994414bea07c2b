"""lua/slomix_round_end.lua under Lua 5.4 (lupa) with a fake ``et``: a scripted round, the curl
command it would run, the gametime file it writes, and the webhook route accepting its report."""

from __future__ import annotations

import json
import shlex
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from slomix_ssh import signing

pytestmark = pytest.mark.anyio

URL = "http://slomix.test/api/ingest/round-end"
PLAYERS = [("A" * 32, "^1Al^7pha", 1), ("B" * 32, b"Caf\xe9", 2), ("C" * 32, "Charlie", 1), ("D" * 32, "Delta", 2)]


@dataclass
class Sent:
    """One captured curl invocation."""

    headers: dict[str, str]
    body_path: Path
    url: str
    marker: Path

    @property
    def body(self) -> bytes:
        return self.body_path.read_bytes()


def sent(engine) -> list[Sent]:
    out = []
    for command in engine.commands:
        if "curl" not in command:
            continue
        assert command.startswith("(") and command.endswith(") >/dev/null 2>&1 &")  # backgrounded
        curl, echo = command[1:].split("; echo $? > ")
        words = shlex.split(curl)
        headers = dict(words[i + 1].split(": ", 1) for i, w in enumerate(words) if w == "-H")
        data = words[words.index("--data-binary") + 1]
        out.append(Sent(headers, Path(data.removeprefix("@")), words[-1],
                        Path(shlex.split(echo.removesuffix(") >/dev/null 2>&1 &"))[0])))
    return out


@pytest.fixture
def engine(fake_et, round_end_lua, webhook_secret):
    """Factory: a fake server with the round-end module and a config file (None: no config file)."""

    def factory(config: dict | None = None, clock_offset: float = 300, **cvars):
        et = fake_et(round_end_lua, now=time.time() - clock_offset, cvars=cvars, load=False)
        if config is not None:
            folder = et.homepath / "legacy" / "luascripts"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "slomix_round_end_config.lua").write_text(config["__text__"] if "__text__" in config else (
                "return {" + ", ".join(f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in config.items()) + "}"))
        return et

    return factory


def configured(secret: str, **more) -> dict:
    return {"url": URL, "secret": secret, **more}


def sweep(et) -> None:
    """Let frames pass until the module has swept its retry buffer once (it does so every minute)."""
    listings = sum("ls -1" in c for c in et.commands)
    for _ in range(200):
        et.run(0.5, frame_ms=500)
        if sum("ls -1" in c for c in et.commands) > listings:
            return
    raise AssertionError("no sweep within 100 s")


async def test_scripted_round_is_reported_signed_and_accepted(engine, webhook_secret, ssh_kernel, http_client,
                                                             recorder):
    et = engine(configured(webhook_secret))
    played = et.play_round(PLAYERS, map_name="etl_adlernest", play=240, pause=20, winner=2, defender=1)
    [request] = sent(et)
    assert request.url == URL
    assert request.headers["Content-Type"] == "application/json"
    body = request.body
    timestamp = request.headers[signing.TIMESTAMP_HEADER]
    assert signing.verify(webhook_secret, timestamp, body, request.headers[signing.SIGNATURE_HEADER])
    report = json.loads(body)
    assert {k: report[k] for k in ("map", "round", "winner", "defender", "pause_count", "total_pause_seconds",
                                   "end_reason", "surrender_team", "time_limit_minutes", "lua_version")} == {
        "map": "etl_adlernest", "round": 1, "winner": 2, "defender": 1, "pause_count": 1,
        "total_pause_seconds": 20, "end_reason": "objective", "surrender_team": 0, "time_limit_minutes": 10,
        "lua_version": "1.0.0"}
    assert report["round_end_unix"] == played.end_unix
    assert abs(report["round_start_unix"] - played.start_unix) <= 1
    assert report["actual_duration_seconds"] == report["round_end_unix"] - report["round_start_unix"] - 20
    assert 235 <= report["actual_duration_seconds"] <= 245
    assert 28 <= report["warmup_seconds"] <= 33  # survived the map_restart that ended the warmup
    assert report["axis_players"] == [{"guid": "A" * 32, "name": "Alpha"}, {"guid": "C" * 32, "name": "Charlie"}]
    assert report["allies_players"][0] == {"guid": "B" * 32, "name": "Café"}  # Latin-1 bytes read as such
    [pause] = report["pauses"]
    assert pause["sec"] == 20 and pause["end"] - pause["start"] == 20
    alpha = report["spawn_stats"][0]
    assert (alpha["guid"], alpha["spawns"], alpha["deaths"], alpha["dead_seconds"], alpha["max_respawn"]) == (
        "A" * 32, 3, 2, 20, 10)
    assert report["spawn_summary"] == "Players:4 | Spawns:12 | AvgRespawn:10s | MaxRespawn:10s"
    # The gametime file: meta + the exact payload, named after the round.
    gametime = et.homepath / "legacy" / "gametimes" / f"gametime-etl_adlernest-R1-{played.end_unix}.json"
    written = json.loads(gametime.read_bytes())
    assert written["payload"] == report
    assert written["meta"] | {"spawn_stats": None} == {
        "map": "etl_adlernest", "round": 1, "round_start_unix": report["round_start_unix"],
        "round_end_unix": played.end_unix, "actual_duration_seconds": report["actual_duration_seconds"],
        "warmup_seconds": report["warmup_seconds"], "pause_seconds": 20, "pause_count": 1,
        "server_ip": "127.0.0.1", "server_port": "27960", "match_id": str(played.end_unix), "spawn_stats": None}
    assert written["meta"]["spawn_stats"] == report["spawn_stats"]
    # The route accepts exactly what curl would send.
    client = await http_client(await ssh_kernel(servers=[], http=True))
    response = await client.post(signing_path(request.url), content=body, headers=request.headers)
    assert response.status_code == 202, response.text
    [file] = recorder.files
    assert (file.name, file.data) == (f"round-end-etl_adlernest-R1-{played.end_unix}.json", body)


def signing_path(url: str) -> str:
    return url.removeprefix("http://slomix.test")


@pytest.mark.parametrize("secret", ["k", "x" * 64, "a long shared secret " * 5, "ünïcode ∑ secret"])
def test_hmac_in_lua_matches_python(engine, secret):
    et = engine(configured(secret))
    et.play_round(PLAYERS[:2], play=30, pause=0)
    [request] = sent(et)
    headers = request.headers
    assert signing.verify(secret, headers[signing.TIMESTAMP_HEADER], request.body, headers[signing.SIGNATURE_HEADER])


def test_obituary_returns_nothing_so_later_modules_still_see_kills(engine, round_end_lua, tmp_path, webhook_secret):
    later = tmp_path / "later.lua"
    later.write_text("kills = 0\nfunction et_Obituary(victim, killer, mod) kills = kills + 1 end\n")
    et = engine(configured(webhook_secret))
    et.scripts = [round_end_lua, later]
    et.play_round(PLAYERS[:2], play=60, pause=0)
    results = et.kill(0, 1)
    assert results == [None, None]  # both modules were called, ours returned no value
    assert et.modules[1].globals().kills == 3  # two kills in the round, one now
    assert et.modules[0].eval("select('#', et_Obituary(0, 1, 8))") == 0


def test_surrender_vote_sets_reason_caller_and_team(engine, webhook_secret):
    et = engine(configured(webhook_secret))
    et.play_round(PLAYERS, play=120, pause=0, winner=2, surrender_by=0)
    report = json.loads(sent(et)[0].body)
    assert (report["end_reason"], report["surrender_team"]) == ("surrender", 1)
    assert (report["surrender_caller_guid"], report["surrender_caller_name"]) == ("A" * 32, "Alpha")


def test_round_reaching_the_time_limit_expired(engine, webhook_secret):
    et = engine(configured(webhook_secret))
    et.play_round(PLAYERS[:2], play=240, pause=0, timelimit=4, winner=1)
    report = json.loads(sent(et)[0].body)
    assert report["end_reason"] == "time_expired"
    assert report["actual_duration_seconds"] <= 240  # never longer than the limit


def test_second_half_after_map_restart_is_round_two_with_the_running_score(engine, webhook_secret):
    et = engine(configured(webhook_secret), clock_offset=600)
    et.play_round(PLAYERS, play=120, pause=0, winner=2)
    et.play_round(PLAYERS, round_number=2, play=120, pause=0, winner=2)
    # Unanswered payloads are sent again by the minute sweep: take each payload once.
    first, second = (json.loads(path.read_bytes()) for path in dict.fromkeys(s.body_path for s in sent(et)))
    assert (first["round"], second["round"]) == (1, 2)
    assert (second["axis_score"], second["allies_score"]) == (0, 2)  # kept in cvars across the reload
    assert second["round_start_unix"] > first["round_end_unix"]


def test_map_changing_before_intermission_still_reports(engine, webhook_secret):
    et = engine(configured(webhook_secret))
    et.cvars.update(gamestate="0")
    et.load(*et.scripts)
    et.connect(0, "A" * 32, "Alpha", 1)
    et.run(20)
    assert sent(et) == []
    et.call("et_ShutdownGame", 0)
    [request] = sent(et)
    report = json.loads(request.body)
    assert report["round"] == 1 and 19 <= report["actual_duration_seconds"] <= 21


def test_without_url_and_secret_nothing_is_sent_but_the_gametime_file_is_written(engine):
    et = engine(None)
    played = et.play_round(PLAYERS[:2], play=30, pause=0)
    assert sent(et) == []
    assert any("url or secret not configured" in line for line in et.console)
    assert (et.homepath / "legacy" / "gametimes" / f"gametime-supply-R1-{played.end_unix}.json").exists()
    assert not (et.homepath / "legacy" / "slomix-pending").exists()


@pytest.mark.parametrize(("text", "warning"), [
    ('return { url = "x", secret = "s", colour = "red" }', "config: unknown key colour"),
    ('return { url = 5 }', "config: url must be a string"),
    ("return {", "ignoring"),
    ('return "no table"', "it must return a table"),
])
def test_bad_config_is_reported_and_the_defaults_kept(engine, text, warning):
    et = engine({"__text__": text})
    et.play_round(PLAYERS[:2], play=30, pause=0)
    assert any(warning in line for line in et.console), et.console
    if "unknown key" not in warning:
        assert sent(et) == []  # fail closed


def test_retry_buffer_resends_failures_and_forgets_successes(engine, webhook_secret):
    et = engine(configured(webhook_secret))
    et.play_round(PLAYERS[:2], play=30, pause=0)
    [first] = sent(et)
    first.marker.write_text("7\n")  # curl failed (e.g. could not connect)
    sweep(et)
    resent = sent(et)[1:]
    assert [r.body_path for r in resent] == [first.body_path]
    assert not first.marker.exists()  # cleared before the new attempt
    assert int(resent[0].headers[signing.TIMESTAMP_HEADER]) > int(first.headers[signing.TIMESTAMP_HEADER])
    assert signing.verify(webhook_secret, resent[0].headers[signing.TIMESTAMP_HEADER], first.body,
                          resent[0].headers[signing.SIGNATURE_HEADER])
    first.marker.write_text("0\n")  # Slomix answered 2xx
    sweep(et)
    assert not first.body_path.exists() and not first.marker.exists()
    assert len(sent(et)) == 2


def test_retry_buffer_resends_unanswered_payloads_and_keeps_at_most_the_newest(engine, webhook_secret):
    et = engine(configured(webhook_secret, pending_max=2, pending_grace_seconds=1), clock_offset=900)
    for _ in range(3):
        et.play_round(PLAYERS[:2], play=30, pause=0)
    pending = sorted((et.homepath / "legacy" / "slomix-pending").glob("*.json"))
    bodies = [s.body_path for s in sent(et)]
    assert len(set(bodies)) == 3 and pending == sorted(set(bodies))[1:]  # the oldest was dropped
    count = len(sent(et))
    sweep(et)  # no exit marker and older than the grace period: sent again
    assert len(sent(et)) == count + 2

"""End to end: a game server (fake engine running our round-end Lua, real SFTP on loopback) ends a
round; the stats file lands in the SFTP folder, the signed webhook reaches Slomix, and the round is
in the database with the measured duration."""

from __future__ import annotations

import json
import shlex
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import anyio
import msgspec
import pytest

from slomix_ssh import signing
from slomix_stats.formats import RoundMeta

pytestmark = pytest.mark.anyio

SECRET = "e2e-secret"
LUA = Path(__file__).resolve().parents[1] / "lua" / "slomix_round_end.lua"
STATS = "2025-10-14-212214-etl_adlernest-round-1.txt"


def curl_request(command: str) -> tuple[dict[str, str], bytes]:
    words = shlex.split(command[1:].split("; echo $?")[0])
    headers = dict(words[i + 1].split(": ", 1) for i, w in enumerate(words) if w == "-H")
    return headers, Path(words[words.index("--data-binary") + 1].removeprefix("@")).read_bytes()


def play_round(fake_et, sftp_server, players: list[tuple[str, str, int]]) -> tuple[Any, dict[str, str], bytes]:
    """The game server plays a round of etl_adlernest; our Lua writes its gametime file into the
    polled folder and signs its report: (the round played, the report's headers, its body)."""
    et = fake_et(LUA, now=time.time() - 300, load=False)
    config = et.homepath / "legacy" / "luascripts" / "slomix_round_end_config.lua"
    config.parent.mkdir(parents=True)
    config.write_text(f'return {{ url = "http://slomix.test/api/ingest/round-end", secret = "{SECRET}", '
                      f'gametimes_dir = "{sftp_server.root / "gametimes"}" }}')
    played = et.play_round(players, map_name="etl_adlernest", play=240, pause=20, winner=2, defender=1)
    [command] = [c for c in et.commands if "curl" in c]
    return played, *curl_request(command)


def write_stats_file(sftp_server, shared_data: Path, played: Any) -> str:
    """c0rnp0rn writes the stats file about two seconds later, named in the server's local time."""
    local = datetime.fromtimestamp(played.end_unix + 2, ZoneInfo("Europe/Paris"))
    name = f"{local:%Y-%m-%d-%H%M%S}-etl_adlernest-round-1.txt"
    sftp_server.write(f"gamestats/{name}", (shared_data / "stats" / STATS).read_bytes())
    return name


async def test_stats_file_plus_signed_webhook_make_a_measured_round(make_kernel, sftp_server, http_client, shared_data,
                                                                    monkeypatch, fake_et):
    monkeypatch.setenv("SLOMIX_WEBHOOK_SECRET", SECRET)
    kernel = await make_kernel(plugins={"ssh", "http", "stats"}, config={"adapters": {"ssh": {
        "servers": [sftp_server.server_entry()], "poll_seconds": 60, "settle_seconds": 0.05}}})
    client = await http_client(kernel)
    played, headers, body = play_round(fake_et, sftp_server, [("7B84BE88" + "0" * 24, "endekk", 1),
                                                              ("0A26D3CD" + "0" * 24, "vid", 2)])
    # Every key our Lua writes is one the stats plugin reads.
    assert set(json.loads(body)) <= set(RoundMeta.__struct_fields__)
    measured = json.loads(body)["actual_duration_seconds"]
    stats_name = write_stats_file(sftp_server, shared_data, played)

    async with anyio.create_task_group() as tg:
        tg.start_soon(kernel.pm.get_plugin("ssh").on_serve, kernel)
        response = await client.post("/api/ingest/round-end", content=body, headers=headers)
        assert response.status_code == 202, response.text
        assert response.json()["outcomes"][0]["plugin"] == "stats"
        round_row = None
        with anyio.fail_after(10):
            while round_row is None or round_row["duration_source"] != "measured":
                await anyio.sleep(0.05)
                round_row = await kernel.db.pool.fetchrow(
                    """SELECT r.* FROM stats.rounds r JOIN stats.files f ON f.id = r.file_id
                       WHERE f.name = $1""", stats_name)
        tg.cancel_scope.cancel()

    assert (round_row["map_name"], round_row["round_number"]) == ("etl_adlernest", 1)
    assert round_row["duration_seconds"] == measured
    assert round_row["end_reason"] == "objective"
    meta = await kernel.db.pool.fetchrow("SELECT * FROM stats.round_meta WHERE round_id = $1", round_row["id"])
    assert (meta["round_end_unix"], meta["pause_count"], meta["lua_version"]) == (played.end_unix, 1, "1.0.0")
    assert msgspec.json.decode(msgspec.json.encode(meta["allies_players"])) == [
        {"guid": "0A26D3CD" + "0" * 24, "name": "vid"}]
    sources = {r["name"]: r["source"] for r in await kernel.db.pool.fetch("SELECT name, source FROM stats.files")}
    assert sources[stats_name] == "ssh:gs1"
    assert sources[f"round-end-etl_adlernest-R1-{played.end_unix}.json"] == "webhook"
    assert signing.verify(SECRET, headers[signing.TIMESTAMP_HEADER], body, headers[signing.SIGNATURE_HEADER])


async def test_round_end_reaches_discord_as_an_announcement(discord_kernel, fake_discord, sftp_server, http_client,
                                                            shared_data, monkeypatch, fake_et):
    """Game server → SFTP + signed webhook → round committed → round summary on the fake Discord."""
    monkeypatch.setenv("SLOMIX_WEBHOOK_SECRET", SECRET)
    kernel = await discord_kernel(plugins={"ssh", "http", "stats"}, config={"adapters": {"ssh": {
        "servers": [sftp_server.server_entry()], "poll_seconds": 60, "settle_seconds": 0.05}}})
    client = await http_client(kernel)
    played, headers, body = play_round(fake_et, sftp_server, [("7B84BE88" + "0" * 24, "endekk", 1)])
    write_stats_file(sftp_server, shared_data, played)
    response = await client.post("/api/ingest/round-end", content=body, headers=headers)
    assert response.status_code == 202, response.text
    message = await fake_discord.wait_for_message(
        lambda m: m.channel_id == fake_discord.announcements.id and "etl_adlernest" in m.embed.get("title", ""),
        within=20)
    assert message.embed["title"] == "etl_adlernest — round 1"
    assert "objective completed" in message.embed["description"]


@pytest.mark.parametrize(("change", "reason"), [
    ({"axis_players": [{"guid": "A" * 32}]}, "$.axis_players[0]: Object missing required field 'name'"),
    ({"end_reason": "rage quit"}, "$.end_reason: Expected 'str' matching regex '^(objective|surrender|time_expired)$'"),
])
async def test_a_report_the_stats_plugin_cannot_read_is_refused_with_its_reason(make_kernel, http_client,
                                                                              monkeypatch, change, reason) -> None:
    monkeypatch.setenv("SLOMIX_WEBHOOK_SECRET", SECRET)
    kernel = await make_kernel(plugins={"ssh", "http", "stats"})
    client = await http_client(kernel)
    end = int(time.time()) - 5
    body = json.dumps({"map": "supply", "round": 1, "round_end_unix": end, **change}).encode()
    response = await client.post("/api/ingest/round-end", content=body,
                                 headers=signing.headers(SECRET, int(time.time()), body))
    assert response.status_code == 422
    assert response.json()["error"].startswith(f"invalid round-end report: stats: {reason}")
    # Kept, with its bytes and its reason.
    row = await kernel.db.pool.fetchrow("SELECT status, data FROM stats.files WHERE name = $1",
                                        f"round-end-supply-R1-{end}.json")
    assert (row["status"], row["data"]) == ("quarantined", body)


def test_server_status_and_rcon_from_the_command_line(slomix_cli, game_server, tmp_path) -> None:
    """The issue's check: `slomix cmd "!server_status main" --json` against a loopback server speaking the
    protocol shows its map and every player with team and score; a wrong password is a clear error."""
    pytest.importorskip("slomix_servers")
    from slomix.kernel import ExitCode
    from slomix.testing.gameserver import FakePlayer

    # vid's client sends UTF-8, the other an old client's Latin-1 bytes.
    players = [FakePlayer("^1vid", team=2, score=42), FakePlayer(b"^3K\xe4rpf\xe4n", team=1, score=7)]
    server = game_server(rcon_password="e2e-rcon", map="etl_adlernest", players=players)
    (tmp_path / "slomix.toml").write_text(
        f'[slomix]\ndata_dir = "{tmp_path / "data"}"\n\n[plugins.servers.servers.main]\nhost = "127.0.0.1"\n'
        f'port = {server.port}\nrcon_password = {{ env = "ET_RCON_PASSWORD" }}\n')
    status = slomix_cli("cmd", "!server_status main", "--json", cwd=tmp_path, env={"ET_RCON_PASSWORD": "e2e-rcon"},
                        timeout=180)
    assert status.returncode == 0, status.stderr
    data = json.loads(status.stdout)["data"]
    assert data["map"] == "etl_adlernest"
    assert [(p["name"], p["team"], p["score"]) for p in data["players"]] == [("vid", "Allies", 42),
                                                                            ("Kärpfän", "Axis", 7)]
    rcon = slomix_cli("cmd", "!rcon status", "--json", cwd=tmp_path, env={"ET_RCON_PASSWORD": "e2e-rcon"}, timeout=180)
    assert rcon.returncode == 0, rcon.stderr
    assert "^1vid" in json.loads(rcon.stdout)["data"]["reply"] and len(server.sent) >= 4
    wrong = slomix_cli("cmd", "!rcon status", "--json", cwd=tmp_path, env={"ET_RCON_PASSWORD": "guess"}, timeout=180)
    assert wrong.returncode == ExitCode.FAILED
    assert json.loads(wrong.stdout)["description"] == "main: the server refused the RCON password (Bad rconpassword)"

"""The poll on the kernel's timer, the history it keeps, the JSON routes and the pages over HTTP (ASGI)."""

from __future__ import annotations

import base64
import json
from datetime import timedelta

import pytest
from servers_fixtures import config

from slomix.kernel import Tier
from slomix.testing import CLI_ACTOR

pytest.importorskip("slomix_http")
pytestmark = pytest.mark.anyio

SESSION_SECRET = "servers-test-secret"


@pytest.fixture
async def site(make_kernel, http_client, real_server, monkeypatch):
    monkeypatch.setenv("SLOMIX_SESSION_SECRET", SESSION_SECRET)
    kernel = await make_kernel(plugins={"stats", "servers", "http"}, config=config(("main", real_server)) | {
        "adapters": {"http": {"rate_limit": {"enabled": False}, "cache_seconds": 0}}})  # live data, asked again
    await serve(kernel)
    return kernel, await http_client(kernel)


async def serve(kernel) -> None:
    """What ``slomix run`` does: the plugin puts its poll on the kernel's timer."""
    await kernel.pm.get_plugin("servers").on_serve(kernel=kernel)


def sign_in(client, user_id: str, name: str) -> None:
    """The signed session cookie the Discord login would set."""
    import itsdangerous

    payload = base64.b64encode(json.dumps({"user": {"id": user_id, "name": name}}).encode())
    client.cookies.clear()  # the anonymous session the pages handed out
    client.cookies.set("slomix_session", itsdangerous.TimestampSigner(SESSION_SECRET).sign(payload).decode())


async def test_the_poll_keeps_a_history_and_marks_a_silent_server_offline(site, real_server) -> None:
    kernel, client = site
    [live] = (await client.get("/api/servers")).json()
    assert (live["server"], live["online"], live["error"]) == ("main", False, "not polled yet")
    await kernel.scheduler.clock.advance(30)
    [live] = (await client.get("/api/servers")).json()
    assert (live["online"], live["map"], live["hostname"], len(live["players"])) == (
        True, "etl_adlernest", "#purans.only", 8)
    assert live["players"][3] == {"slot": 3, "name": ".olz", "raw_name": "^1.^7olz", "team": "axis", "score": 40,
                                  "ping": 33}
    assert len(real_server.received) == 2  # one getstatus per poll (at start-up, then every 30 s), nothing else
    health = next(p for p in (await kernel.health())["plugins"] if p["name"] == "servers")["detail"]
    assert (health["servers"]["main"]["online"], health["servers"]["main"]["players"]) == (True, 8)
    real_server.lose_requests(10)
    await kernel.scheduler.clock.advance(30)
    one = (await client.get("/api/servers/main")).json()
    assert (one["online"], one["map"]) == (False, "")
    assert one["error"].startswith("main: no reply from 127.0.0.1:")
    history = (await client.get("/api/servers/main/history", params={"hours": 1})).json()
    assert [(h["online"], h["players"], h["humans"], h["map"]) for h in history] == [
        (True, 8, 8, "etl_adlernest"), (True, 8, 8, "etl_adlernest"), (False, 0, 0, None)]
    assert (await client.get("/api/servers/nope")).status_code == 404
    assert (await client.get("/api/servers/main/history", params={"hours": 0})).status_code == 422


async def test_samples_older_than_the_history_are_dropped(site) -> None:
    kernel, _ = site
    old = kernel.scheduler.clock.now() - timedelta(days=31)
    await kernel.db.pool.execute(
        "INSERT INTO servers.samples (server, at, online, players, humans) VALUES ('main', $1, true, 3, 3)", old)
    await kernel.scheduler.clock.advance(30)
    assert await kernel.db.pool.fetchval("SELECT count(*) FROM servers.samples WHERE at < now() - interval '1 day'") \
        == 0


async def test_the_servers_page_home_card_and_admin_audit(site, real_server) -> None:
    kernel, client = site
    await kernel.scheduler.clock.advance(60)
    page = (await client.get("/servers", headers={"accept": "text/html"})).text
    assert "#purans.only" in page and "etl_adlernest" in page and "8/24" in page
    assert "SuperBoyy" in page and "^6S" not in page  # names without colour codes
    assert '<h3 class="axis">Axis <small>4 · 220 XP</small></h3>' in page
    assert "<svg" in page and "<polyline" in page
    home = (await client.get("/", headers={"accept": "text/html"})).text
    assert 'data-plugin="servers"' in home and "etl_adlernest" in home
    # The audit log is on the admin page, for admins only.
    await kernel.commands.dispatch(kernel, "!rcon status", CLI_ACTOR)
    assert (await client.get("/servers/panels/admin")).status_code in (401, 403)
    assert (await client.get("/api/admin/rcon-audit")).status_code in (401, 403)
    await kernel.permissions.grant("discord:300", Tier.ADMIN, CLI_ACTOR)
    sign_in(client, "300", "an admin")
    admin = (await client.get("/admin", headers={"accept": "text/html"})).text
    assert "Game-server audit log" in admin and "local operator <small>cli:local</small>" in admin
    assert "<td><code>status</code></td>" in admin and "<summary>cpu server utilization" in admin
    [line] = (await client.get("/api/admin/rcon-audit")).json()
    assert (line["command"], line["actor_id"], line["ok"]) == ("status", "cli:local", True)


@pytest.mark.parametrize("dry_run", [True, False])
async def test_the_idle_watchdog_acts_once_per_idle_stretch(make_kernel, game_server, monkeypatch, dry_run) -> None:
    from slomix.testing.gameserver import FakePlayer

    monkeypatch.setenv("ET_RCON_PASSWORD", "pw")
    server = game_server(rcon_password="pw", map="goldrush", players=[FakePlayer("[BOT]a", ping=0)])
    kernel = await make_kernel(plugins={"stats", "servers"}, config=config(("main", server), watchdog={
        "enabled": True, "idle_minutes": 2, "command": "map supply", "dry_run": dry_run}))
    await serve(kernel)
    service = kernel.pm.get_plugin("servers").service
    await kernel.scheduler.clock.advance(90)  # idle since start-up, but not two minutes yet
    assert await service.audit() == []
    await kernel.scheduler.clock.advance(60)
    await kernel.scheduler.clock.advance(300)  # still idle: no second time
    [line] = await service.audit()
    assert (line.actor_id, line.command, line.ok) == ("servers:watchdog", "map supply", True)
    assert server.map == ("goldrush" if dry_run else "supply")
    assert line.reply.startswith("dry run: no human since") == dry_run
    # A human comes and goes: a new idle stretch, a new action after two minutes.
    slot = server.add(FakePlayer("vid", team=1))
    await kernel.scheduler.clock.advance(30)
    del server.slots[slot]
    await kernel.scheduler.clock.advance(150)
    assert len(await service.audit()) == 2

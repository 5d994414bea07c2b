"""The commands through the kernel's registry, against the loopback server: what a player or an admin sees."""

from __future__ import annotations

import pytest
from servers_fixtures import PASSWORD, config

from slomix.kernel import Actor, Tier
from slomix.testing import CLI_ACTOR
from slomix.testing.gameserver import FakePlayer

pytestmark = pytest.mark.anyio

PLAYER = Actor(id="discord:100", name="a player", adapter="discord")
MODERATOR = Actor(id="discord:200", name="a moderator", adapter="discord")
ADMIN = Actor(id="discord:300", name="an admin", adapter="discord")


async def ask(kernel, line: str, actor: Actor = CLI_ACTOR):
    return await kernel.commands.dispatch(kernel, line, actor, adapter=actor.adapter)


async def tiers(kernel) -> None:
    await kernel.permissions.grant(MODERATOR.id, Tier.MODERATOR, CLI_ACTOR)
    await kernel.permissions.grant(ADMIN.id, Tier.ADMIN, CLI_ACTOR)


async def test_server_status_shows_the_map_and_every_player_with_team_and_score(kernel) -> None:
    reply = await ask(kernel, "!server_status main", PLAYER)
    assert not reply.error, reply.description
    data = reply.data
    assert (data["map"], data["gametype"], data["round"], data["state"], data["hostname"]) == (
        "etl_adlernest", "stopwatch", 1, "playing", "#purans.only")
    assert [(p["name"], p["team"], p["score"]) for p in data["players"]] == [
        ("endekk", "Allies", 10), ("SmetarskiLoto", "Allies", 20), ("squAze:)", "Allies", 30), (".olz", "Axis", 40),
        ("bronze.", "Axis", 50), ("qmr", "Axis", 60), ("SuperBoyy", "Axis", 70), ("vid", "Allies", 80)]
    # The table is by team, best score first: Axis, then Allies.
    assert [row[:3] for row in reply.tables[0].rows][:2] == [["SuperBoyy", "Axis", 70], ["qmr", "Axis", 60]]
    assert {f.name: f.value for f in reply.fields}["players"] == "8/24 (8 human)"
    # Without a name the only server is meant.
    assert (await ask(kernel, "!server_status")).data["map"] == "etl_adlernest"
    # Round and state came over RCON, once for both asks (kept 10 s), audited with who asked.
    audit = await kernel.pm.get_plugin("servers").service.audit()
    assert [(a.command, a.actor_id) for a in reversed(audit)] == [("g_currentRound", PLAYER.id),
                                                                  ("gamestate", PLAYER.id)]


async def test_players_lists_who_is_on(kernel, real_server) -> None:
    real_server.add(FakePlayer("[BOT]Fritz", team=3, ping=0))
    reply = await ask(kernel, "!players")
    assert reply.title == "Players on main: 9/24"
    assert reply.tables[0].rows[-1] == ["[BOT]Fritz (bot)", "Spectator", 0, 0]


async def test_rcon_status_shows_the_whole_reply_without_addresses_and_is_audited(kernel, real_server) -> None:
    await tiers(kernel)
    reply = await ask(kernel, "!rcon status", ADMIN)
    assert not reply.error, reply.description
    assert len(real_server.sent) >= 4  # several print datagrams, all shown
    for name in ("endekk", "^eSmetarski^dLoto", "^6S^2uper^6B^2oyy", "^pvid"):
        assert name in reply.description
    assert "198.51.100." not in reply.description and reply.description.count("(hidden)") == 8
    [line] = await kernel.pm.get_plugin("servers").service.audit()
    assert (line.server, line.actor_id, line.actor_name, line.adapter, line.command, line.ok) == (
        "main", ADMIN.id, "an admin", "discord", "status", True)
    assert "198.51.100.8:27960" in line.reply and PASSWORD not in line.reply  # the whole reply, never the password


async def test_a_plain_user_and_a_moderator_are_refused_rcon(kernel, real_server) -> None:
    await tiers(kernel)
    for actor in (PLAYER, MODERATOR):
        reply = await ask(kernel, "!rcon status", actor)
        assert reply.error and reply.title == "Not allowed"
    assert real_server.received == []  # nothing reached the server
    assert await kernel.pm.get_plugin("servers").service.audit() == []


async def test_rcon_runs_only_allowed_commands(kernel, real_server) -> None:
    for line in ("!rcon quit", "!rcon exec server.cfg", "!rcon set rconpassword x", "!rcon main vstr x"):
        reply = await ask(kernel, line)
        assert reply.error and "is not an allowed RCON command" in reply.description, line
    chained = await ask(kernel, '!rcon "say hi; quit"')
    assert chained.error and chained.description == "an RCON command cannot contain ; (one command at a time)"
    assert real_server.received == []
    reply = await ask(kernel, "!rcon main g_currentRound")
    assert reply.data["reply"].startswith('"g_currentRound" is:"0^7"')


async def test_a_wrong_password_is_a_clear_error_and_audited(make_kernel, real_server, monkeypatch) -> None:
    monkeypatch.setenv("ET_RCON_PASSWORD", "not-it")
    # The password is read at start-up: a kernel started with the wrong one.
    kernel = await make_kernel(plugins={"stats", "servers"}, config=config(("main", real_server)))
    reply = await ask(kernel, "!rcon status")
    assert reply.error and reply.description == "main: the server refused the RCON password (Bad rconpassword)"
    [line] = await kernel.pm.get_plugin("servers").service.audit()
    assert (line.ok, line.reply) == (False, reply.description)
    # The status needs no password: it is shown, without what only RCON tells.
    status = await ask(kernel, "!server_status")
    assert (status.error, status.data["map"], status.data["round"], status.data["state"]) == (
        False, "etl_adlernest", None, None)


async def test_kick_shows_the_reason_and_bans_for_seconds_never_by_accident(kernel, real_server) -> None:
    await tiers(kernel)
    reply = await ask(kernel, "!kick superboy team killing", MODERATOR)
    assert not reply.error, reply.description
    assert real_server.kicks == [(6, 300)]
    assert real_server.chat == ["console: SuperBoyy is kicked: team killing"]
    assert real_server.commands[-2:] == ['say "SuperBoyy is kicked: team killing"', "clientkick 6 300"]
    assert reply.data == {"server": "main", "slot": 6, "name": "SuperBoyy", "reason": "team killing",
                          "ban_seconds": 300}
    # By slot, without a reason; an unknown or ambiguous name is a usage answer naming who is on.
    assert not (await ask(kernel, "!kick #0", MODERATOR)).error and real_server.kicks[-1] == (0, 300)
    nobody = await ask(kernel, "!kick zzz", MODERATOR)
    assert nobody.error and "no player 'zzz'" in nobody.description and "#7 vid" in nobody.description
    several = await ask(kernel, "!kick s", MODERATOR)
    assert several.error and "give the slot" in several.description
    assert (await ask(kernel, "!kick vid", PLAYER)).title == "Not allowed"


async def test_map_say_and_map_restart(kernel, real_server) -> None:
    assert not (reply := await ask(kernel, "!map supply")).error, reply.description
    assert real_server.map == "supply"
    missing = await ask(kernel, "!map nowhere")
    assert missing.error and "has no map 'nowhere'" in missing.description
    assert (await ask(kernel, "!map ../etc")).description.startswith("'../etc' is not a map name")
    assert not (await ask(kernel, "!map_restart")).error and real_server.restarts == 1
    await ask(kernel, """!say gg 'a "quoted" word'""")
    assert real_server.chat == ["console: gg a 'quoted' word"]  # a " would end the engine's token
    assert (await ask(kernel, "!say 100%")).description == "a command cannot contain % (the engine turns it into .)"
    audit = await kernel.pm.get_plugin("servers").service.audit()
    assert [a.command for a in reversed(audit)] == ["map supply", "map nowhere", "map_restart",
                                                    "say \"gg a 'quoted' word\"", 'say "100%"']
    # the last was refused before it left, and is audited all the same
    assert not audit[0].ok


async def test_several_servers_side_by_side(make_kernel, real_server, game_server) -> None:
    other = game_server(rcon_password=PASSWORD, map="goldrush", players=[FakePlayer("^2solo", team=1)])
    kernel = await make_kernel(plugins={"stats", "servers"}, config=config(("main", real_server), ("cup", other)))
    which = await ask(kernel, "!server_status")
    assert which.error and which.description == "which server? one of main, cup"
    assert (await ask(kernel, "!server_status cup")).data["map"] == "goldrush"
    assert (await ask(kernel, "!server_status main")).data["map"] == "etl_adlernest"
    assert (await ask(kernel, "!players cup")).data == [{"name": "solo", "team": "Axis", "score": 0, "ping": 40}]
    assert "goldrush" in (await ask(kernel, "!rcon cup status")).description
    await ask(kernel, "!say cup hello cup")
    assert (other.chat, real_server.chat) == (["console: hello cup"], [])
    unknown = await ask(kernel, "!server_status nope")
    assert unknown.description == "no server 'nope': one of main, cup"


async def test_a_server_that_does_not_answer(make_kernel, real_server) -> None:
    kernel = await make_kernel(plugins={"stats", "servers"}, config=config(
        ("main", real_server)) | {"plugins": {"servers": {"servers": {"main": {
            **real_server.entry(), "timeout_seconds": 0.2, "retries": 0}}}}})
    real_server.stop()
    reply = await ask(kernel, "!server_status")
    assert reply.error and reply.title == "Game server"
    assert reply.description.startswith("main: no reply from 127.0.0.1:")


async def test_no_server_configured(make_kernel) -> None:
    kernel = await make_kernel(plugins={"stats", "servers"})
    reply = await ask(kernel, "!server_status")
    assert reply.error and "no game server is configured" in reply.description


async def test_a_password_that_cannot_travel_stops_the_plugin_with_its_key(make_kernel, real_server,
                                                                         monkeypatch) -> None:
    monkeypatch.setenv("ET_RCON_PASSWORD", "two words")
    kernel = await make_kernel(plugins={"stats", "servers"}, config=config(("main", real_server)))
    info = kernel.plugin("servers")
    assert info.status == "failed"
    assert "plugins.servers.servers.main.rcon_password" in info.error


async def test_the_server_argument_offers_the_configured_names(make_kernel, real_server, game_server) -> None:
    kernel = await make_kernel(plugins={"stats", "servers"}, config=config(("main", real_server),
                                                                           ("cup", game_server())))
    for name in ("server_status", "players", "map_restart", "list_maps", "server_stop"):
        arg = next(a for a in kernel.commands.get(name).args if a.name == "server")
        assert await arg.complete(kernel, "") == ["main", "cup"]
        assert await arg.complete(kernel, "C") == ["cup"]

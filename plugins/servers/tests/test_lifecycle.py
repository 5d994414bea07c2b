"""Life cycle and map files over SSH: a real asyncssh server on loopback (host key checked), a loopback game server."""

from __future__ import annotations

import asyncssh
import pytest
from servers_fixtures import config, pk3

from slomix.kernel import Actor, Tier, UploadedFile
from slomix.testing import CLI_ACTOR

pytest.importorskip("slomix_ssh")  # the host is the SSH adapter's server
pytestmark = pytest.mark.anyio

START = "cd ~/etlegacy && screen -dmS et ./etlded.x86_64 +exec server.cfg"
STOP = "screen -S et -X quit"


@pytest.fixture
async def host(make_kernel, real_server, sftp_server):
    """A kernel whose server ``main`` lives on the SFTP server's host, with etmain/ holding three paks."""
    for name, size in (("pak0.pk3", 2048), ("te_escape2.pk3", 3 * 1024 * 1024), ("mp_bin.pk3", 10)):
        sftp_server.write(f"etmain/{name}", b"PK" + b"\0" * (size - 2))
    sftp_server.write("etmain/readme.txt", b"not a map")
    sftp_server.answers = {START: (0, "started\n"), STOP: (0, "")}
    entry = real_server.entry() | {"ssh": "gs1", "start_command": START, "stop_command": STOP, "maps_dir": "/etmain"}
    kernel = await make_kernel(plugins={"stats", "servers", "ssh"}, config=config(("main", real_server)) | {
        "plugins": {"servers": {"servers": {"main": entry}}},
        "adapters": {"ssh": {"servers": [sftp_server.server_entry("gs1")]}}})
    assert kernel.plugin("servers").status != "failed", kernel.plugin("servers").error
    return kernel


async def ask(kernel, line: str, actor: Actor = CLI_ACTOR):
    return await kernel.commands.dispatch(kernel, line, actor, adapter=actor.adapter)


async def audit(kernel):
    return [(a.command, a.ok) for a in reversed(await kernel.pm.get_plugin("servers").service.audit())]


async def test_start_refuses_a_running_server_and_starts_a_stopped_one(host, real_server, sftp_server) -> None:
    running = await ask(host, "!server_start")
    assert running.error and "main is already running (it answers on 127.0.0.1:" in running.description
    assert sftp_server.commands == []
    real_server.stop()
    reply = await ask(host, "!server_start main")
    assert not reply.error, reply.description
    assert sftp_server.commands == [START]
    assert reply.data == {"server": "main", "exit": 0, "output": "started"}
    assert await audit(host) == [(f"ssh: {START}", True)]


async def test_stop_and_restart_ask_first_then_run_the_configured_commands(host, sftp_server) -> None:
    asked = await ask(host, "!server_stop")
    assert asked.title == "Stop main?" and "!server_stop main yes" in asked.description
    assert sftp_server.commands == []
    assert not (await ask(host, "!server_stop yes")).error
    assert not (await ask(host, "!server_restart main yes")).error
    assert sftp_server.commands == [STOP, STOP, START]
    sftp_server.answers[STOP] = (1, "No screen session found.\n")
    failed = await ask(host, "!server_stop main yes")
    assert failed.error and failed.description.startswith("main: stopped failed (exit 1)")
    assert "No screen session found." in failed.description
    assert (await audit(host))[-1] == (f"ssh: {STOP}", False)


async def test_life_cycle_is_for_admins(host, sftp_server) -> None:
    moderator = Actor(id="discord:5", name="mod", adapter="discord")
    await host.permissions.grant(moderator.id, Tier.MODERATOR, CLI_ACTOR)
    for line in ("!server_stop yes", "!server_start", "!server_restart yes", "!map_delete te_escape2 yes"):
        assert (await ask(host, line, moderator)).title == "Not allowed", line
    assert sftp_server.commands == []


async def test_list_maps_is_cached_and_marks_the_base_paks(host, sftp_server) -> None:
    reply = await ask(host, "!list_maps", Actor(id="discord:9", name="anyone", adapter="discord"))
    assert reply.title == "Maps on main: 1"
    assert reply.tables[0].rows == [["mp_bin.pk3", "10 B", "base"], ["pak0.pk3", "2.0 KiB", "base"],
                                    ["te_escape2.pk3", "3.0 MiB", ""]]
    sftp_server.write("etmain/goldrush.pk3", b"PK")
    assert len((await ask(host, "!list_maps")).tables[0].rows) == 3  # cached
    assert len((await ask(host, "!list_maps refresh")).tables[0].rows) == 4


async def test_map_delete_never_touches_a_base_pak(host, sftp_server) -> None:
    for name in ("pak0", "pak0.pk3", "MP_BIN.pk3", "legacy_v2.83.1.pk3"):
        reply = await ask(host, f"!map_delete {name} yes")
        assert reply.error and "never deleted" in reply.description, name
    assert (await ask(host, "!map_delete ../x.pk3 yes")).description.startswith("'../x.pk3' is not a map file")
    assert (await ask(host, "!map_delete nothere yes")).description == "no nothere.pk3 on main (see !list_maps)"
    asked = await ask(host, "!map_delete te_escape2")
    assert asked.title == "Delete te_escape2.pk3 from main?"
    assert (sftp_server.root / "etmain" / "te_escape2.pk3").exists()
    assert not (await ask(host, "!map_delete te_escape2.pk3 yes")).error
    assert not (sftp_server.root / "etmain" / "te_escape2.pk3").exists()
    assert (sftp_server.root / "etmain" / "pak0.pk3").exists()
    assert (await audit(host)) == [("ssh: delete /etmain/te_escape2.pk3", True)]


async def test_a_host_key_not_in_known_hosts_refuses_the_connection(host, sftp_server) -> None:
    sftp_server.known_hosts.write_text(sftp_server.known_hosts_line(asyncssh.generate_private_key("ssh-ed25519")))
    reply = await ask(host, "!list_maps")
    assert reply.error and reply.title == "Game server"
    assert "host key not verifiable" in reply.description
    assert sftp_server.commands == []


async def test_an_ssh_name_that_is_not_configured_stops_the_plugin_with_its_key(make_kernel, real_server) -> None:
    entry = real_server.entry() | {"ssh": "nowhere"}
    kernel = await make_kernel(plugins={"stats", "servers"},
                               config={"plugins": {"servers": {"servers": {"main": entry}}}})
    info = kernel.plugin("servers")
    assert info.status == "failed" and "plugins.servers.servers.main.ssh" in info.error


async def test_without_an_ssh_host_the_commands_say_what_to_set(make_kernel, real_server) -> None:
    kernel = await make_kernel(plugins={"stats", "servers"}, config=config(("main", real_server)))
    reply = await ask(kernel, "!list_maps")
    assert reply.error and reply.description.startswith('main has no SSH host: set ssh = "')


async def test_map_add_takes_the_attached_pk3(host, sftp_server, tmp_path) -> None:
    path = tmp_path / "te_valhalla.pk3"
    path.write_bytes(pk3("maps/te_valhalla.bsp"))
    reply = await host.commands.dispatch(host, "!map_add", CLI_ACTOR, files=(UploadedFile.of_path(path),))
    assert not reply.error, reply.description
    assert (reply.data["file"], reply.data["maps"]) == ("te_valhalla.pk3", 1)
    assert (sftp_server.root / "etmain" / "te_valhalla.pk3").read_bytes() == path.read_bytes()
    assert "te_valhalla.pk3" in str((await ask(host, "!list_maps")).tables[0].rows)  # the cache was dropped
    nothing = await ask(host, "!map_add")
    assert nothing.error and nothing.description.startswith("attach one .pk3 file")
    base = tmp_path / "pak0.pk3"
    base.write_bytes(pk3("maps/x.bsp"))
    refused = await host.commands.dispatch(host, "!map_add", CLI_ACTOR, files=(UploadedFile.of_path(base),))
    assert refused.error and "never deleted or replaced" in refused.description

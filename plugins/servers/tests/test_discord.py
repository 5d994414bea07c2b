"""The commands on Discord (the loopback fake): the embeds a player and an admin see."""

from __future__ import annotations

import pytest
from servers_fixtures import config

from slomix.kernel import Tier
from slomix.testing import CLI_ACTOR

pytest.importorskip("slomix_discord")
pytestmark = pytest.mark.anyio


async def test_status_for_everyone_rcon_for_admins_only(discord_kernel, fake_discord, real_server) -> None:
    kernel = await discord_kernel(plugins={"stats", "servers"}, config=config(("main", real_server)))
    status = await fake_discord.ask("!server_status", within=20)
    assert status.embed["title"] == "#purans.only"
    fields = {f["name"]: f["value"] for f in status.embed["fields"]}
    assert (fields["map"], fields["gametype"], fields["players"]) == ("etl_adlernest", "stopwatch", "8/24 (8 human)")
    assert "SuperBoyy" in str(status.embed)
    refused = await fake_discord.ask("!rcon status", within=20)
    assert refused.embed["title"] == "Not allowed"
    assert all(not c.startswith("status") for c in real_server.commands)
    admin = fake_discord.user("boss")
    await kernel.permissions.grant(f"discord:{admin.id}", Tier.ADMIN, CLI_ACTOR)
    answer = await fake_discord.ask("!rcon status", author=admin, within=20)
    assert answer.embed["title"] == "rcon status on main"
    description = answer.embed["description"]
    assert description.startswith("```\ncpu server utilization") and "^pvid" in description
    assert "198.51.100." not in description and len(description) <= 4096
    slashed = await fake_discord.invoke_slash("players", within=20)
    assert slashed.embed["title"] == "Players on main: 8/24"


async def test_an_admin_adds_a_map_by_attaching_it(discord_kernel, fake_discord, real_server, sftp_server) -> None:
    pytest.importorskip("slomix_ssh")
    from servers_fixtures import pk3

    entry = real_server.entry() | {"ssh": "gs1", "maps_dir": "/etmain"}
    (sftp_server.root / "etmain").mkdir()
    kernel = await discord_kernel(plugins={"stats", "servers", "ssh"}, config=config(("main", real_server)) | {
        "plugins": {"servers": {"servers": {"main": entry}}},
        "adapters": {"ssh": {"servers": [sftp_server.server_entry("gs1")]}}})
    admin = fake_discord.user("boss")
    await kernel.permissions.grant(f"discord:{admin.id}", Tier.ADMIN, CLI_ACTOR)
    data = pk3("maps/te_valhalla.bsp")
    refused = await fake_discord.ask("!map_add", attachments=[("te_valhalla.pk3", data)], within=20)
    assert refused.embed["title"] == "Not allowed" and fake_discord.attachment_downloads == []
    added = await fake_discord.ask("!map_add", author=admin, attachments=[("te_valhalla.pk3", data)], within=30)
    assert added.embed["title"] == "main: added te_valhalla.pk3", added.embed
    assert (sftp_server.root / "etmain" / "te_valhalla.pk3").read_bytes() == data

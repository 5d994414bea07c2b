"""Uploading a map over HTTP to the server's host over SFTP: checked as a zip, size-limited, never over a file."""

from __future__ import annotations

import base64
import json
import re

import pytest
from servers_fixtures import config, pk3

from slomix.kernel import Tier
from slomix.testing import CLI_ACTOR

pytest.importorskip("slomix_http")
pytest.importorskip("slomix_ssh")
pytestmark = pytest.mark.anyio

SESSION_SECRET = "servers-upload-secret"


@pytest.fixture
async def site(make_kernel, http_client, real_server, sftp_server, monkeypatch):
    import itsdangerous

    monkeypatch.setenv("SLOMIX_SESSION_SECRET", SESSION_SECRET)
    base = sftp_server.write("etmain/pak0.pk3", pk3("maps/oasis.bsp")).read_bytes()
    entry = real_server.entry() | {"ssh": "gs1", "maps_dir": "/etmain"}
    kernel = await make_kernel(plugins={"stats", "servers", "ssh", "http"}, config=config(("main", real_server)) | {
        "plugins": {"servers": {"servers": {"main": entry}, "max_map_bytes": 64 * 1024}},
        "adapters": {"ssh": {"servers": [sftp_server.server_entry("gs1")]},
                     "http": {"rate_limit": {"enabled": False}}}})
    client = await http_client(kernel)
    await kernel.permissions.grant("discord:300", Tier.ADMIN, CLI_ACTOR)
    payload = base64.b64encode(json.dumps({"user": {"id": "300", "name": "an admin"}}).encode())
    client.cookies.set("slomix_session", itsdangerous.TimestampSigner(SESSION_SECRET).sign(payload).decode())
    page = (await client.get("/servers", headers={"accept": "text/html"})).text
    client.headers["x-csrf-token"] = re.search(r'<meta name="csrf-token" content="([^"]+)">', page)[1]
    return kernel, client, base


async def upload(client, name: str, data: bytes):
    return await client.post("/api/servers/main/maps", files={"file": (name, data, "application/zip")})


async def test_a_sound_map_lands_in_the_maps_folder(site, sftp_server) -> None:
    kernel, client, _ = site
    data = pk3("maps/te_valhalla.bsp", "scripts/te_valhalla.arena")
    response = await upload(client, "te_valhalla.pk3", data)
    assert response.status_code == 200, response.text
    assert response.json()["maps"] == 1 and response.json()["size"] == len(data)
    stored = sftp_server.root / "etmain" / "te_valhalla.pk3"
    assert stored.read_bytes() == data and stored.stat().st_mode & 0o777 == 0o644
    assert not list((sftp_server.root / "etmain").glob(".*.part"))
    maps = (await kernel.commands.dispatch(kernel, "!list_maps", CLI_ACTOR)).tables[0].rows
    assert [m[0] for m in maps] == ["pak0.pk3", "te_valhalla.pk3"]
    [line] = await kernel.pm.get_plugin("servers").service.audit()
    assert (line.command, line.ok, line.actor_id, line.adapter) == (
        "ssh: upload /etmain/te_valhalla.pk3", True, "discord:300", "http")
    again = await upload(client, "te_valhalla.pk3", data)
    assert again.status_code == 409 and "already on the server" in again.json()["error"]


@pytest.mark.parametrize(("name", "data", "status", "message"), [
    ("pak0.pk3", pk3("maps/x.bsp"), 422, "pak0.pk3 is one of the game's own archives"),
    ("te valhalla.pk3", pk3("maps/x.bsp"), 422, "is not a map file name"),
    ("notes.txt", pk3("maps/x.bsp"), 422, "is not a map file name"),
    ("fake.pk3", b"PK\x03\x04 not really", 422, "fake.pk3 is not a zip archive"),
    ("empty.pk3", pk3("textures/a.tga"), 422, "empty.pk3 holds no maps/*.bsp"),
    ("sneaky.pk3", pk3("maps/x.bsp", "../../.bashrc"), 422, "sneaky.pk3: unsafe path inside: ../../.bashrc"),
    ("huge.pk3", b"\0" * (65 * 1024), 413, ""),
])
async def test_a_bad_upload_is_refused_with_its_reason(site, sftp_server, name, data, status, message) -> None:
    _, client, base = site
    response = await upload(client, name, data)
    assert response.status_code == status, response.text
    assert message in response.json()["error"]
    assert sorted(p.name for p in (sftp_server.root / "etmain").iterdir()) == ["pak0.pk3"]
    assert (sftp_server.root / "etmain" / "pak0.pk3").read_bytes() == base


async def test_only_admins_upload(site) -> None:
    _, client, _ = site
    client.cookies.clear()
    response = await upload(client, "te_valhalla.pk3", pk3("maps/te_valhalla.bsp"))
    assert response.status_code in (401, 403)

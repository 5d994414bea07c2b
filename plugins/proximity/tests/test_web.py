"""The JSON routes and pages over real HTTP (ASGI), on the scripted match (skipped without the HTTP adapter)."""

from __future__ import annotations

import html
import io
import re

import msgspec
import pytest
from proximity_match import GUID, VID, local, stats_file

from slomix.testing import CLI_ACTOR
from slomix_proximity import queries

pytest.importorskip("slomix_http")
pytestmark = pytest.mark.anyio


@pytest.fixture
async def site(make_kernel, http_client, played, shared_data):
    kernel = await make_kernel(plugins={"stats", "proximity", "http"})
    for file in (played.file, stats_file(shared_data, played.end_unix)):
        await kernel.ingest(file)
    await kernel.settle()
    assert kernel.errors == {}
    return kernel, await http_client(kernel)


async def test_routes_answer_what_the_commands_do(site) -> None:
    kernel, client = site
    response = await client.get("/api/proximity/crossfire")
    assert response.status_code == 200
    board = msgspec.json.decode(response.content, type=queries.CrossfireBoard)
    command = await kernel.commands.dispatch(kernel, "!crossfire", CLI_ACTOR)
    assert board == command.data and board.crossfires == 1
    trades = (await client.get("/api/proximity/trades", params={"session": "2025-10-15"})).json()
    assert trades["trades"] == 2
    mine = (await client.get("/api/proximity/engagements", params={"player": "vid"})).json()
    assert (mine["engagements"], mine["won"], mine["lost"]) == (2, 2, 0)
    heat = (await client.get("/api/proximity/heatmap", params={"map": "supply", "kind": "kills"})).json()
    assert (heat["total"], heat["cell_units"], heat["rounds"]) == (5, 128, 1)
    assert sum(map(sum, heat["values"])) == 5
    # vid stood at (0, 0) for his two kills: cell (0, 0) holds 2.
    assert heat["values"][0 - heat["y0"]][0 - heat["x0"]] == 2
    [line] = (await client.get("/api/proximity/rounds")).json()
    assert (line["map_name"], line["kills"], line["players"]) == ("supply", 5, 6) and line["stats_round_id"]
    players = {p["guid"]: p for p in (await client.get("/api/proximity/players")).json()}
    assert players[GUID[VID]]["first_bloods"] == 1
    assert (await client.get("/api/proximity/maps")).json() == [{"map_name": "supply", "rounds": 1}]
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert {"/api/proximity/heatmap", "/api/proximity/trades", "/api/proximity/spawn-timing"} <= set(paths)


async def test_routes_refuse_bad_scopes(site) -> None:
    _, client = site
    assert (await client.get("/api/proximity/heatmap", params={"map": "supply", "kind": "smells"})).status_code == 422
    missing = await client.get("/api/proximity/trades", params={"session": "1999-01-01"})
    assert (missing.status_code, missing.json()) == (404, {"error": "no gaming session on 1999-01-01"})
    nobody = await client.get("/api/proximity/engagements", params={"player": "zzzz-nobody"})
    assert nobody.status_code == 400 and "no player matches" in nobody.json()["error"]
    assert (await client.get("/api/proximity/files")).status_code == 401  # admins only


async def test_pages(site, played) -> None:
    from PIL import Image

    _, client = site
    overview = await client.get("/proximity")
    assert overview.status_code == 200 and 'href="/proximity/maps/supply"' in overview.text
    assert "Crossfire: two teammates hit the same enemy" in overview.text  # the definitions
    page = await client.get("/proximity/maps/supply")
    assert page.status_code == 200
    images = re.findall(r'<img class="figure" src="([^"]+)" loading="lazy" alt="([^"]+)"', page.text)
    assert [alt for _, alt in images] == ["kills heatmap of supply", "deaths heatmap of supply",
                                          "presence heatmap of supply"]
    picture = await client.get(html.unescape(images[0][0]))
    assert (picture.status_code, picture.headers["content-type"]) == (200, "image/png")
    drawn = Image.open(io.BytesIO(picture.content))
    assert drawn.format == "PNG" and drawn.width >= 600
    assert len(drawn.convert("RGB").getcolors(1 << 16) or []) > 50  # a picture, not a blank
    start = local(played.end_unix + 3).isoformat()  # the session starts with its one round's file time
    session = await client.get(f"/proximity/sessions/{start}")
    assert session.status_code == 200
    for text in ("Trade kills", "Crossfire", "Spawn timing", "endekk</a> + <a", "first blood converted"):
        assert text in session.text
    player = await client.get(f"/proximity/players/{GUID[VID]}")
    assert player.status_code == 200 and "Proximity: vid" in player.text
    stats_page = await client.get(f"/sessions/{start}")
    assert 'data-plugin="proximity"' in stats_page.text and f'href="/proximity/sessions/{start}"' in stats_page.text
    assert (await client.get("/proximity/maps/nowhere")).status_code == 404
    assert (await client.get("/proximity/heatmap.png", params={"map": "nowhere"})).status_code == 404

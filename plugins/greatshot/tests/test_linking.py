"""Each demo is matched to its stats round: scored candidates through the stats api, an admin's
confirmation below the threshold, and the round page showing its demo."""

from __future__ import annotations

import pytest
from greatshot_helpers import csrf, sign_in, until_idle, working

from slomix.kernel import IncomingFile

pytestmark = pytest.mark.anyio

ROUNDS = ["2025-10-14-212214-etl_adlernest-round-1.txt", "2025-10-14-212521-etl_adlernest-round-2.txt",
          "2024-09-11-212540-supply-round-1.txt"]


async def test_candidates_an_admin_confirms_and_the_round_page_shows_the_demo(greatshot_site, shared_data) -> None:
    client = await greatshot_site(settings={"render_top": 0}, slomix={"root_users": ["discord:99"]})
    kernel = client.kernel
    for name in ROUNDS:
        await kernel.ingest(IncomingFile(name=name, path=shared_data / "stats" / name))
    rounds = {r["round_number"]: r["id"] for r in await kernel.db.pool.fetch(
        "SELECT id, round_number FROM stats.rounds WHERE map_name = 'etl_adlernest'")}
    data = (shared_data / "demos" / "demo01_legacy.tv_84").read_bytes()
    [demo] = (await client.post("/api/greatshot/demos", files=[("demo", ("demo01_legacy.tv_84", data, "x"))])
              ).json()["demos"]
    async with working(kernel):
        await until_idle(kernel)
    detail = (await client.get(f"/api/greatshot/demos/{demo['id']}")).json()
    # The bots' ETTV demo of adlernest is like both etl_adlernest rounds by its map's name (15 of 100)
    # and its length (156 s against their 2:18, +20), but none of its players is theirs: 35, below the
    # threshold of 60, so an admin decides. supply is no candidate.
    assert detail["demo"]["link_state"] == "candidates" and detail["demo"]["round_id"] is None
    assert sorted((c["round_id"], c["confidence"], c["why"]) for c in detail["link_candidates"]) == [
        (rounds[1], 35, ["map etl_adlernest", "duration within 18 s"]),
        (rounds[2], 35, ["map etl_adlernest", "duration within 18 s"])]
    page = await client.get(f"/greatshot/demos/{demo['id']}", headers={"accept": "text/html"})
    assert "Stats round candidates" in page.text

    refused = await client.post(f"/api/greatshot/demos/{demo['id']}/link", json={"round_id": rounds[1]})
    assert refused.status_code == 403  # an admin decides
    sign_in(client, "99", "the admin")
    client.headers["x-csrf-token"] = await csrf(client)
    linked = (await client.post(f"/api/greatshot/demos/{demo['id']}/link", json={"round_id": rounds[1]})).json()
    assert (linked["round_id"], linked["link_state"], linked["link_confidence"]) == (rounds[1], "confirmed", 100)
    # Its players beside the stats file's: none of the bots is in the round (the data-health check).
    players = (await client.get(f"/api/greatshot/demos/{demo['id']}")).json()["players"]
    assert {p["stats_kills"] for p in players} == {None}
    round_page = await client.get(f"/rounds/{rounds[1]}", headers={"accept": "text/html"})
    assert round_page.status_code == 200
    assert f'<a href="/greatshot/demos/{demo["id"]}">demo01_legacy.tv_84</a> (47 kills)' in round_page.text

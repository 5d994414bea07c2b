"""The JSON API of the live site serves what the commands say (no browser needed); admin routes
are refused to anonymous callers."""

from __future__ import annotations

import httpx2
import pytest

from slomix.testing import CLI_ACTOR

pytestmark = pytest.mark.anyio


async def test_api_serves_the_numbers_of_the_commands(live_site) -> None:
    kernel = live_site.kernel
    async with httpx2.AsyncClient(base_url=live_site.url) as client:
        board = (await client.get("/api/stats/leaderboard", params={"category": "kills"})).json()
        reply = await kernel.commands.dispatch(kernel, "!lb kills", CLI_ACTOR)
        assert [(r["guid"], r["value"]) for r in board["rows"]] == [(r.guid, r.value) for r in reply.data.rows]
        top = board["rows"][0]["guid"]
        player = (await client.get(f"/api/stats/players/{top}")).json()
    card = (await kernel.commands.dispatch(kernel, f"!stats {top}", CLI_ACTOR)).data
    lifetime = player["totals"]
    assert (lifetime["rounds"], lifetime["kills"], lifetime["deaths"]) == (card.rounds, card.kills, card.deaths)
    # The per-map split adds up to the lifetime totals.
    assert sum(m["rounds"] for m in player["maps"]) == card.rounds
    assert sum(m["kills"] for m in player["maps"]) == card.kills
    assert sum(m["deaths"] for m in player["maps"]) == card.deaths
    # ... and the per-weapon split to the lifetime accuracy and head hits.
    hits, shots = sum(w["hits"] for w in player["weapons"]), sum(w["shots"] for w in player["weapons"])
    assert lifetime["accuracy"] == pytest.approx(hits * 100 / shots, abs=0.05)
    assert sum(w["headshots"] for w in player["weapons"]) == card.headshots


async def test_file_list_is_for_admins(live_site) -> None:
    async with httpx2.AsyncClient(base_url=live_site.url) as client:
        response = await client.get("/api/stats/files", params={"status": "quarantined"})
        assert response.status_code == 401 and "needs the admin tier" in response.text
        bad = await client.get("/api/stats/files", params={"status": "lost"})
        assert bad.status_code in (401, 422)

"""Leaderboards and records in headless Chromium on the real files, at desktop and phone width,
and their JSON API (the same filters, the same figures)."""

from __future__ import annotations

import re

import httpx2
import pytest
from browsing import PHONE, visit

from slomix.testing import CLI_ACTOR

pytestmark = pytest.mark.anyio
SIZES = {"desktop": {"viewport": {"width": 1280, "height": 1800}}, "phone": PHONE}


async def _numbers(w, selector: str) -> list[float]:
    cells = await w.page.locator(selector).all_inner_texts()
    return [float(re.sub(r"[^\d.]", "", c)) for c in cells if re.search(r"\d", c)]


@pytest.mark.browser
@pytest.mark.parametrize("size", list(SIZES))
async def test_leaderboard_filters_without_javascript(live_site, watched, size) -> None:
    w = await watched(**SIZES[size], java_script_enabled=False)
    site = live_site.url
    await visit(w, f"{site}/leaderboards?category=dpm", "Leaderboards")
    # The minimum the page chose, and why, in words; the metric and every column defined.
    assert await w.page.locator("main p", has_text="12 players with at least 15 counted rounds — the median "
                                                   "player's rounds in this window").count() == 1
    assert await w.page.locator("dl.defs dt", has_text="Damage per minute").count() == 1
    # The GET form: choose supply and submit, no script involved.
    await w.page.select_option("form.filters select[name=map]", "supply")
    await w.page.click("form.filters button[type=submit]")
    assert re.search(r"/leaderboards\?category=dpm&period=all&map=supply&min_rounds=$", w.page.url)
    first = w.page.locator("main table tbody tr").first
    assert (await first.locator("td").nth(1).inner_text(), await first.locator("td").nth(2).inner_text()) == (
        "carniee", "324.1")
    assert await w.page.locator("main table thead th").all_inner_texts() == [
        "#", "Player", "DPM", "Rounds", "K/D"]
    await w.page.screenshot(path=live_site.screenshots / f"{size}-leaderboard-dpm-supply.png", full_page=True)
    # No board of the real history is empty, and no percentage is above 100.
    for category in ("kills", "kd", "accuracy", "headshots", "efficiency", "teamwork", "grenades"):
        for period in ("all", "season", "30d"):
            await visit(w, f"{site}/leaderboards?category={category}&period={period}", "Leaderboards")
            assert await w.page.locator("main table tbody tr").count() >= 5, (category, period)
            if category in ("accuracy", "headshots", "efficiency", "teamwork"):
                values = await _numbers(w, "main table tbody td:nth-child(3)")
                assert values and max(values) <= 100, (category, period)
    await visit(w, f"{site}/leaderboards?category=teamwork&period=season", "Leaderboards")
    assert await w.page.locator("main h2", has_text="Team damage share (lower is better)").count() == 1
    await w.page.screenshot(path=live_site.screenshots / f"{size}-leaderboard-teamwork.png", full_page=True)
    width = await w.page.evaluate("document.documentElement.scrollWidth")
    assert width <= SIZES[size]["viewport"]["width"]


@pytest.mark.browser
@pytest.mark.parametrize("size", list(SIZES))
async def test_records_page(live_site, watched, size) -> None:
    w = await watched(**SIZES[size])
    await visit(w, f"{live_site.url}/records", "Records")
    attacks = w.page.locator("main table").first.locator("tbody tr")
    assert await attacks.count() == 11
    supply = attacks.filter(has_text="supply")
    assert await supply.locator("td").nth(1).inner_text() == "6:52"
    assert "squAze:)" in await supply.locator("td").nth(2).inner_text()
    assert "12:00 (time to beat)" in await supply.locator("td").nth(3).inner_text()
    assert await w.page.locator("main h3").first.inner_text() == "Most kills in a round"
    kills = w.page.locator("main table").nth(1).locator("tbody tr")
    assert await kills.count() == 3
    assert "carniee" in await kills.first.inner_text() and "31" in await kills.first.inner_text()
    # Third place is shared: both holders named.
    third = await kills.nth(2).inner_text()
    assert "bronze." in third and "carniee" in third
    await w.page.screenshot(path=live_site.screenshots / f"{size}-records.png", full_page=True)
    await w.page.select_option("form.filters select[name=map]", "supply")
    await w.page.click("form.filters button[type=submit]")
    assert w.page.url.endswith("/records?map=supply")
    assert await w.page.locator("main h1").inner_text() == "Records on supply"
    assert await w.page.locator("main table").first.locator("tbody tr").count() == 1
    width = await w.page.evaluate("document.documentElement.scrollWidth")
    assert width <= SIZES[size]["viewport"]["width"]


async def test_board_api_takes_the_page_filters(live_site) -> None:
    kernel = live_site.kernel
    async with httpx2.AsyncClient(base_url=live_site.url) as client:
        response = await client.get("/api/stats/leaderboard", params={
            "category": "dpm", "map": "supply", "period": "30d", "min_rounds": ""})
        assert response.status_code == 200
        board = response.json()
        reply = await kernel.commands.dispatch(kernel, "!leaderboard dpm map=supply period=30d", CLI_ACTOR)
        assert [(r["guid"], r["value"]) for r in board["rows"]] == [(r.guid, r.value) for r in reply.data.rows]
        assert (board["rows"][0]["name"], board["min_rounds"], board["period_title"]) == (
            "carniee", 5, "last 30 days")
        asked = (await client.get("/api/stats/leaderboard", params={"category": "dpm", "min_rounds": "100"})).json()
        assert {r["name"] for r in asked["rows"]} == {"vid", "SuperBoyy", ".olz", "SmetarskiProner", "endekk"}
        bad = await client.get("/api/stats/leaderboard", params={"period": "week"})
        assert bad.status_code == 422 and "query.period" in bad.text
        book = (await client.get("/api/stats/records", params={"map": "supply"})).json()
        assert [(a["map"], a["display"]) for a in book["fastest_attacks"]] == [("supply", "6:52")]
        assert book["records"][0]["holders"][0]["name"] == "carniee"

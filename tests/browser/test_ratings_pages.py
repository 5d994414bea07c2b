"""The ratings and synergy pages in headless Chromium on the real history, desktop and phone."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from slomix.kernel import Config, IncomingFile, Kernel
from slomix_http.testing import serve

pytestmark = pytest.mark.anyio
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True}
SIX = ["D8423F90", "EDBB5DA9", "5D989160", "1C747DF1", "7B84BE88", "652EB4A6"]


@pytest.fixture(scope="module")
async def rated_site(slomix_templates, tmp_path_factory, shared_data) -> AsyncIterator[Any]:
    """The real stats files, rated: HTTP, stats, stopwatch, predictions and synergy on a fresh database."""
    from slomix_predictions import service

    folder = tmp_path_factory.mktemp("ratings-site")
    shots = Path(os.environ.get("SLOMIX_SCREENSHOT_DIR") or folder / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (set-up, before anything runs)
    config = Config({"slomix": {"data_dir": str(folder / "data")},
                     "adapters": {"http": {"rate_limit": {"enabled": False}}}})
    kernel = Kernel(config, only={"http", "stats", "stopwatch", "predictions", "synergy"})
    kernel.load()
    kernel.db.url = await slomix_templates.fresh_database(kernel)
    try:
        async with kernel:
            for path in sorted((shared_data / "stats").glob("*.txt")):
                await kernel.ingest(IncomingFile(name=path.name, data=path.read_bytes(), source="test"))
            await kernel.settle()
            await service.rebuild(kernel.db.pool)
            async with serve(await kernel.first("on_asgi_app")) as url:
                yield url, shots
    finally:
        await slomix_templates.drop(kernel.db.url)


async def visit(watched, url: str, heading: str) -> None:
    response = await watched.page.goto(url)
    assert response is not None and response.status == 200, url
    assert heading in await watched.page.locator("main h1").first.inner_text()
    assert watched.problems == [], watched.problems


@pytest.mark.browser
@pytest.mark.parametrize("device", ["desktop", "phone"])
async def test_ratings_and_synergy_pages(rated_site, watched, device) -> None:
    site, shots = rated_site
    w = await watched(**(PHONE if device == "phone" else {"viewport": {"width": 1280, "height": 900}}))
    await visit(w, f"{site}/ratings", "Ratings")
    assert await w.page.locator("main table tbody tr").count() == 11  # the players with 10+ rated maps
    assert await w.page.locator("svg.chart rect").count() == 11  # an uncertainty bar each
    assert await w.page.locator("main td a", has_text="vid").count() == 1
    await w.page.screenshot(path=shots / f"{device}-ratings.png", full_page=True)
    await w.page.locator("main td a", has_text="vid").click()
    await w.page.wait_for_load_state()
    assert (await w.page.locator("main h1").inner_text()) == "vid"
    assert await w.page.locator("main .card .value").first.inner_text() != ""
    assert await w.page.locator("img.chart[alt='rating history']").count() == 1
    await visit(w, f"{site}/ratings/record", "Prediction record")
    assert await w.page.locator("img.chart[alt='reliability diagram']").count() == 1
    assert "69 decided maps" in await w.page.locator("main").inner_text()
    await w.page.screenshot(path=shots / f"{device}-record.png", full_page=True)
    # Balance: tick six players in the form, ask, get two teams of three.
    await visit(w, f"{site}/ratings/balance", "Balance teams")
    for guid in SIX:
        await w.page.locator(f"input[name=players][value='{guid}']").check()
    await w.page.locator("main button", has_text="Balance").click()
    await w.page.wait_for_load_state()
    teams = await w.page.locator("main .grid-2 .card p").all_inner_texts()
    assert [len(t.split(", ")) for t in teams] == [3, 3]
    assert "%" in await w.page.locator("main section.panel h2").first.inner_text()
    await w.page.screenshot(path=shots / f"{device}-balance.png", full_page=True)
    await visit(w, f"{site}/synergy?a=vid&b=endekk", "Synergy")
    assert "38 maps, 28-0-10" in await w.page.locator("main section.panel").first.inner_text()
    await w.page.screenshot(path=shots / f"{device}-synergy.png", full_page=True)
    await visit(w, f"{site}/synergy/matchup?teams=vid,endekk+vs+.olz,qmr", "Matchup")
    assert await w.page.locator("main tbody tr").count() >= 1
    assert w.problems == []

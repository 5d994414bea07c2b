"""What a player checks on the stats pages (issue 14), in headless Chromium at desktop and phone width."""

from __future__ import annotations

import re

import pytest
from browsing import PHONE, first_link, visit

pytestmark = pytest.mark.anyio


@pytest.mark.browser
@pytest.mark.parametrize("size", ["desktop", "phone"])
async def test_session_and_player_pages_show_the_right_names_and_figures(live_site, watched, size) -> None:
    w = await watched(**(PHONE if size == "phone" else {}))
    site = live_site.url
    await visit(w, f"{site}/sessions", "Sessions")
    session = await first_link(w, r"/sessions/\d{4}-\d\d-\d\dT[\d:]+")
    await visit(w, f"{site}{session}", "Session #")
    mvp = w.page.locator(".card", has=w.page.locator(".label", has_text="MVP"))
    assert await mvp.count() == 1 and re.search(r"[\d.]+ DPM, K/D [\d.]+", await mvp.inner_text())
    # The x axis names maps, not "round 1 … round 14".
    labels = await w.page.locator("svg.chart text").all_text_contents()  # SVG text has no innerText
    assert not any(t.startswith("round ") for t in labels) and any(t.startswith("etl_") or t in {
        "supply", "te_escape2", "sw_goldrush_te"} for t in labels)
    await w.page.screenshot(path=live_site.screenshots / f"{size}-session-issue14.png", full_page=True)
    # fnx (3063A713) writes "^1'^/fnx": the game shows "'fnx".
    await visit(w, f"{site}/players/3063A713", "'fnx")
    body = await w.page.locator("main").inner_text()
    assert "^/" not in body
    card = w.page.locator(".card", has=w.page.locator(".label", has_text="Objective play"))
    assert await card.count() == 1
    since = re.search(r"Playing since (\S+ \S+)", body)
    assert since is not None
    # No accuracy above 100 %: the syringe and explosives have none.
    rows = await w.page.locator("main table").nth(2).locator("tbody tr").all_inner_texts()
    for row in rows:
        cells = row.split("\t")
        if cells[0] in {"SYRINGE", "GRENADE", "PANZERFAUST", "DYNAMITE"}:
            assert cells[5].strip() == "—", row
        elif cells[5].strip() not in {"—", ""}:
            assert 0 <= float(cells[5]) <= 100, row
    await w.page.screenshot(path=live_site.screenshots / f"{size}-player-issue14.png", full_page=True)
    if size == "phone":
        width = await w.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390
    assert w.problems == []

"""A player's profile in headless Chromium on the real files (issue 14), at desktop and phone width:
the places on the boards, rounds won and lost by map, the last sessions linked, the teammates won
most with, and what the endstats say about opponents."""

from __future__ import annotations

import pytest
from browsing import PHONE, visit

pytestmark = pytest.mark.anyio

VID = "D8423F90"


def section(w, heading: str):
    """The table following an h2 that starts with ``heading``."""
    return w.page.locator(f"xpath=//main//h2[starts-with(normalize-space(.), '{heading}')]"
                          "/following-sibling::div[contains(@class, 'scroll')][1]//table")


@pytest.mark.browser
@pytest.mark.parametrize("size", ["desktop", "phone"])
async def test_profile_shows_places_results_form_and_teammates(live_site, watched, size) -> None:
    w = await watched(**(PHONE if size == "phone" else {}))
    await visit(w, f"{live_site.url}/players/{VID}", "vid")
    chips = await w.page.locator("main .chips.ranks a").all_inner_texts()
    assert chips[:3] == ["#1 of 14 kills 1368", "#3 of 12 K/D 1.14", "#2 of 12 DPM 309.3"]
    # The chip leads to the board it names.
    assert await w.page.locator("main .chips.ranks a", has_text="DPM").get_attribute("href") == \
        "/leaderboards?category=dpm"
    won = w.page.locator(".card", has=w.page.locator(".label", has_text="Rounds won–lost"))
    assert (await won.locator(".value").inner_text()).strip() == "69–65"
    assert "12 sessions" in await won.inner_text()
    maps = await section(w, "Per map").locator("tbody tr").first.inner_text()
    assert maps.split("\t")[:3] == ["te_escape2", "37", "18–19 (49 %)"]
    sessions = section(w, "Form")
    latest = sessions.locator("tbody tr a").first
    assert (await latest.inner_text()).strip() == "#21 · 2025-10-23"
    assert await latest.get_attribute("href") == "/sessions/2025-10-23T21:28:52"
    mates = await section(w, "Teammates").locator("tbody tr").first.inner_text()
    assert mates.split("\t") == ["squAze:)", "24", "20–4 (83 %)"]
    # The one real endstats file belongs to no round here: the page says why there is no one to name.
    assert "writes no endstats" in await w.page.locator("main").inner_text()
    await w.page.screenshot(path=live_site.screenshots / f"{size}-profile.png", full_page=True)
    if size == "phone":
        assert await w.page.evaluate("document.documentElement.scrollWidth") <= 390
    await latest.click()
    assert "Session #21" in await w.page.locator("main h1").inner_text()
    assert w.problems == []

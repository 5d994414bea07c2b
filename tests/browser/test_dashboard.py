"""The dashboard in headless Chromium, on the real files: pages, navigation, sign-in, phones."""

from __future__ import annotations

import re

import anyio
import pytest
from browsing import PHONE, first_link, visit

from slomix.kernel import Actor, IncomingFile, Tier
from slomix_http.testing import schemathesis_failures

pytestmark = pytest.mark.anyio
ROOT = Actor(id="cli:test", name="test", vouched_tier=Tier.ROOT)


@pytest.mark.browser
async def test_every_page_loads_with_real_data(live_site, watched) -> None:
    w = await watched()
    site = live_site.url
    await visit(w, f"{site}/", "Slomix")
    assert await w.page.locator("text=Latest session").count() == 1
    assert await w.page.locator("main table tbody tr").count() >= 4  # session players, top players
    await visit(w, f"{site}/sessions", "Sessions")
    session = await first_link(w, r"/sessions/\d{4}-\d\d-\d\dT[\d:]+")
    await visit(w, f"{site}{session}", "Session #")
    assert await w.page.locator("svg.chart polyline").count() >= 2  # DPM and kills charts
    # The session leads with its match, as the stopwatch scored it (on_session_matches).
    match = w.page.locator("section.match")
    assert await match.count() == 1 and await match.locator("tbody tr").count() >= 1
    await w.page.screenshot(path=live_site.screenshots / "desktop-session.png", full_page=True)
    round_ = await first_link(w, r"/rounds/\d+")
    await visit(w, f"{site}{round_}")
    assert await w.page.locator("main h2", has_text="Axis").count() == 1
    await visit(w, f"{site}/leaderboards", "Leaderboards")
    chips = await w.page.locator("nav.chips a").count()
    assert chips == 13
    for category in ("kd", "dpm", "accuracy", "teamwork"):
        await visit(w, f"{site}/leaderboards?category={category}", "Leaderboards")
    player = await first_link(w, r"/players/[0-9A-F]+")
    await visit(w, f"{site}{player}")
    for section in ("Form", "Per map", "Weapons"):
        assert await w.page.locator("main h2", has_text=section).count() == 1
    assert await w.page.locator("main h3", has_text="Achievements").count() == 1
    await visit(w, f"{site}/players", "Players")
    await visit(w, f"{site}/players?q=a", "Players matching")
    await visit(w, f"{site}/records", "Records")
    assert await w.page.locator("main tbody tr").count() >= 5
    await visit(w, f"{site}/docs", "Slomix API")


@pytest.mark.browser
async def test_navigation_works(live_site, watched) -> None:
    w = await watched()
    await visit(w, f"{live_site.url}/")
    labels = await w.page.locator("header nav.nav a").all_inner_texts()
    assert labels == ["Home", "Sessions", "Leaderboards", "Players", "Records"]  # no Admin for visitors
    for label in labels[1:]:
        await w.page.locator("header nav.nav a", has_text=label).click()
        await w.page.wait_for_load_state()
        assert await w.page.locator("header nav.nav a[aria-current=page]").inner_text() == label
    # Sorting a table is the one script on the site.
    await w.page.goto(f"{live_site.url}/players")
    first_before = await w.page.locator("main tbody tr td").first.inner_text()
    await w.page.locator("main thead th button", has_text="Rounds").click()
    await w.page.locator("main thead th button", has_text="Rounds").click()  # ascending
    assert await w.page.locator("main tbody tr td").first.inner_text() != first_before
    assert w.problems == []


@pytest.mark.browser
async def test_sign_in_with_discord_and_admin_page(live_site, watched) -> None:
    user = live_site.discord.user
    await live_site.kernel.permissions.grant(f"discord:{user['id']}", Tier.ADMIN, by=ROOT)
    w = await watched()
    await visit(w, f"{live_site.url}/records")
    await w.page.locator("a", has_text="Sign in with Discord").click()
    await w.page.wait_for_url(f"{live_site.url}/records")
    assert await w.page.locator(".who").inner_text() == user["global_name"]
    assert "Admin" in await w.page.locator("header nav.nav a").all_inner_texts()
    [(_, refused)] = await live_site.kernel.ingest(IncomingFile(name="2025-01-01-000000-supply-round-1.txt",
                                                                data=b"not a stats file"))
    await visit(w, f"{live_site.url}/admin", "Admin")
    assert await w.page.locator("main td", has_text="stats").count() >= 1
    jobs = w.page.locator("main h2", has_text="Jobs").locator("xpath=following-sibling::div[1]")
    cards = (await jobs.inner_text()).lower()  # the labels are set in capitals by the style sheet
    assert "queued\n0" in cards and "failed today\n0" in cards
    row = w.page.locator("main tr", has_text="2025-01-01-000000-supply-round-1.txt").first
    assert refused.detail in await row.inner_text()
    listed = await w.page.request.get(f"{live_site.url}/api/stats/files?status=quarantined")
    assert listed.ok and [(f["name"], f["reason"]) for f in await listed.json()] == [
        ("2025-01-01-000000-supply-round-1.txt", refused.detail)]
    unknown = await w.page.request.get(f"{live_site.url}/api/stats/files?status=lost")
    assert unknown.status == 422 and "query.status" in await unknown.text()
    await w.page.locator("button", has_text="Sign out").click()
    await w.page.wait_for_url(f"{live_site.url}/")
    assert await w.page.locator("a", has_text="Sign in with Discord").count() == 1
    response = await w.page.goto(f"{live_site.url}/admin")
    assert response.status == 401 and await w.page.locator("main h1").inner_text() == "401"
    # The refusal is the only problem the browser saw (reported both as a response and in the console).
    assert w.problems == [f"HTTP 401: {live_site.url}/admin",
                          "console error: Failed to load resource: the server responded with a status of 401 "
                          "(Unauthorized)"]


@pytest.mark.browser
async def test_phone_layout_and_screenshots(live_site, watched) -> None:
    w = await watched(**PHONE)
    await visit(w, f"{live_site.url}/")
    await w.page.screenshot(path=live_site.screenshots / "phone-home.png", full_page=True)
    player = await first_link(w, r"/players/[0-9A-F]+")
    await visit(w, f"{live_site.url}{player}")
    await w.page.screenshot(path=live_site.screenshots / "phone-player.png", full_page=True)
    for path in ("/", player, "/sessions", "/leaderboards"):
        await w.page.goto(f"{live_site.url}{path}")
        # Wide tables scroll inside their box; the page itself never scrolls sideways.
        width = await w.page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"{path} is {width}px wide on a 390px phone"
    assert w.problems == []
    dark = await watched(**PHONE, color_scheme="dark")
    await visit(dark, f"{live_site.url}{player}")
    await dark.page.screenshot(path=live_site.screenshots / "phone-player-dark.png")


async def test_schemathesis_on_the_real_history(live_site) -> None:
    failures = await anyio.to_thread.run_sync(schemathesis_failures, live_site.url, 20)
    assert failures == []


# -- issue 14: what a player checks on the stats pages, at desktop and phone width --------------------


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
    labels = await w.page.eval_on_selector_all("svg.chart text", "els => els.map(e => e.textContent)")
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
        # Every menu entry is on screen (the menu used to scroll "Records" out of sight).
        for entry in ("Home", "Sessions", "Leaderboards", "Players", "Records"):
            box = await w.page.locator("nav.nav a", has_text=entry).first.bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, entry
    assert w.problems == []


@pytest.mark.browser
async def test_round_page_links_its_partner_and_session_with_the_time_to_beat(live_site, watched) -> None:
    w = await watched()
    site = live_site.url
    await visit(w, f"{site}/sessions", "Sessions")
    session = await first_link(w, r"/sessions/\d{4}-\d\d-\d\dT[\d:]+")
    await visit(w, f"{site}{session}", "Session #")
    # The session's first R2 (etl_adlernest 5:05 against the R1's 5:07 on 2025-10-23).
    second = await w.page.locator("main table a", has_text="R2").first.get_attribute("href")
    await visit(w, f"{site}{second}", "round 2")
    body = await w.page.locator("main").inner_text()
    assert "to beat: 5:07" in body and "Beaten" in body
    await w.page.locator("main a", has_text="Round 1 of this map").click()
    assert "round 1" in await w.page.locator("main h1").inner_text()
    assert "time set: round 2 must beat it" in await w.page.locator("main").inner_text()
    await w.page.locator("main a", has_text="Round 2 of this map").click()
    assert "round 2" in await w.page.locator("main h1").inner_text()
    await w.page.locator("main a", has_text="Its session").click()
    assert "Session #" in await w.page.locator("main h1").inner_text()
    assert w.problems == []


@pytest.mark.browser
@pytest.mark.parametrize("size", ["desktop", "phone"])
async def test_a_session_leads_with_its_match_and_groups_the_players_by_team(live_site, watched, size) -> None:
    w = await watched(**(PHONE if size == "phone" else {}))
    site = live_site.url
    await visit(w, f"{site}/sessions/2025-10-23T21:28:52", "Session #21")
    match = w.page.locator("section.match")
    assert await match.count() == 1
    assert " ".join((await match.locator("h2").inner_text()).split()) == "S*F 12–6 allbad"
    assert (await match.locator(".verdict strong").inner_text()) == "S*F win"
    lineups = await match.locator(".lineups li").all_inner_texts()
    assert lineups == ["S*F: endekk, SmetarskiProner, SuperBoyy, vid", "allbad: .olz, bronze., carniee, qmr"]
    first = (await match.locator("tbody tr").first.inner_text()).split("\t")
    assert [c.strip() for c in first[:3]] == ["etl_adlernest", "2", "0"]  # the points, on screen on a phone too
    box = await match.locator("tbody tr").first.locator("td").nth(2).bounding_box()
    assert box is not None and box["x"] + box["width"] <= (390 if size == "phone" else 1280)
    teams = await w.page.locator("h3.team-table").all_inner_texts()
    assert [t.strip() for t in teams] == ["S*F", "allbad"]
    mvp = w.page.locator(".card", has=w.page.locator(".label", has_text="MVP"))
    assert "bronze." in await mvp.inner_text()
    await w.page.screenshot(path=live_site.screenshots / f"{size}-session-match.png", full_page=True)
    await visit(w, f"{site}/", "Slomix")
    assert " ".join((await w.page.locator("section.match h3").inner_text()).split()) == "S*F 12–6 allbad"
    await w.page.screenshot(path=live_site.screenshots / f"{size}-home-match.png", full_page=True)
    await visit(w, f"{site}/sessions", "Sessions")
    row = await w.page.locator("main tbody tr").first.inner_text()
    assert "S*F 12–6 allbad" in " ".join(row.split())
    if size == "phone":
        assert await w.page.evaluate("document.documentElement.scrollWidth") <= 390
    assert w.problems == []

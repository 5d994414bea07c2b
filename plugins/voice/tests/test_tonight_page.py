"""The tonight page in a real browser (Debian's chromium), at desktop and phone width."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from slomix.kernel import Actor, Config, Kernel, Presence, VoiceChannel, VoiceMember
from slomix.kernel.scheduler import ManualClock
from slomix_http.testing import serve

from .conftest import TZ

pytestmark = [pytest.mark.anyio, pytest.mark.browser]

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
NOW = datetime(2026, 12, 2, 20, 15, tzinfo=TZ)


async def answer(kernel: Kernel, name: str, said: str, uid: int) -> None:
    reply = await kernel.commands.dispatch(kernel, f"avail today {said}", Actor(id=f"discord:{uid}", name=name,
                                                                                adapter="discord"))
    assert not reply.error, reply.description


@pytest.fixture
async def site(slomix_templates, tmp_path):
    config = Config({"slomix": {"data_dir": str(tmp_path / "data")},
                     "adapters": {"http": {"rate_limit": {"enabled": False}}},
                     "plugins": {"voice": {"gaming_channel_ids": [1, 2], "timezone": "Europe/Ljubljana"}}},
                    source="<test>")
    kernel = Kernel(config, only={"http", "voice", "stats"}, clock=ManualClock(NOW))
    kernel.load()
    kernel.db.url = await slomix_templates.fresh_database(kernel)
    try:
        async with kernel:
            for uid, (name, said) in enumerate([("vid", "yes"), ("SuperBoyy", "yes"), ("olz", "yes"),
                                                ("Proner2026 the very long name", "yes"), ("bronze", "maybe"),
                                                ("wiseBoy", "maybe"), ("carniee", "no")], 1):
                await answer(kernel, name, said, uid)
                await kernel.scheduler.clock.advance(60)  # answered one after another
            since = NOW.astimezone(UTC)
            people = [VoiceMember(id=uid, name=name, since=since) for uid, name in
                      [(1, "vid"), (2, "SuperBoyy"), (5, "bronze"), (9, "endekk")]]
            kernel.emit("on_presence", presence=Presence(guild_id=7, at=since, reason="login", channels=[
                VoiceChannel(id=1, name="Lobby", members=people[:3]), VoiceChannel(id=2, name="Team A",
                                                                                 members=people[3:]),
                VoiceChannel(id=3, name="AFK", members=[VoiceMember(id=20, name="sleepy", since=since)])]))
            await kernel.settle()
            async with serve(await kernel.first("on_asgi_app")) as url:
                yield url, kernel
    finally:
        await slomix_templates.drop(kernel.db.url)


async def test_tonight_looks_like_a_lobby_on_desktop_and_phone(site):
    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240 (set-up)
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (bin/test does it)")
    from playwright.async_api import async_playwright

    url, kernel = site
    shots = Path(os.environ.get("SLOMIX_SCREENSHOT_DIR") or kernel.config.data_dir / "shots")
    shots.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for label, viewport in (("desktop", {"width": 1280, "height": 800}),
                                    ("phone", {"width": 390, "height": 844})):
                context = await browser.new_context(viewport=viewport)
                page = await context.new_page()
                problems: list[str] = []
                page.on("console", lambda m, p=problems: p.append(m.text) if m.type == "error" else None)
                page.on("response",
                        lambda r, p=problems: p.append(f"{r.status} {r.url}") if r.status >= 400 else None)
                response = await page.goto(f"{url}/tonight")
                assert response.status == 200
                groups = await page.eval_on_selector_all(
                    ".seat-group", "gs => gs.map(g => [g.querySelector('h2').textContent,"
                    " [...g.querySelectorAll('.person .name')].map(n => n.textContent)])")
                assert groups == [
                    ["In · 4", ["vid", "SuperBoyy", "olz", "Proner2026 the very long name"]],
                    ["Maybe · 2", ["bronze", "wiseBoy"]],
                    ["In voice now · 4", ["vid", "SuperBoyy", "bronze", "endekk"]],  # AFK is not a gaming channel
                ]
                assert await page.text_content(".verdict") == "4 in, 2 more and it's on at 21:00."
                assert await page.text_content(".lobby-head .muted") == "Wednesday 2 December · 4 in voice"
                # Styled (the plugin's stylesheet passed the CSP) and never wider than the screen.
                radius = await page.eval_on_selector(".person", "e => getComputedStyle(e).borderRadius")
                assert radius.endswith("px") and radius != "0px"
                assert await page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
                await page.screenshot(path=shots / f"tonight-{label}.png", full_page=True)
                assert problems == []
                await context.close()
            # Live: someone answers and the open page shows it without a reload.
            page = await browser.new_page()
            await page.goto(f"{url}/tonight")
            await answer(kernel, "olz2", "yes", 30)
            await page.evaluate("window.slomixLobbyRefresh()")
            assert await page.text_content(".verdict") == "5 in, 1 more and it's on at 21:00."
            await answer(kernel, "wiseBoy", "yes", 6)  # a maybe makes up his mind: game on
            await page.evaluate("window.slomixLobbyRefresh()")
            assert await page.text_content(".verdict.on") == "Game on at 21:00! 6 are in."
            await page.screenshot(path=shots / "tonight-game-on.png", full_page=True)
            await page.close()
        finally:
            await browser.close()
    data = await kernel.db.pool.fetchval("SELECT count(*) FROM voice.availability")
    assert data == 8

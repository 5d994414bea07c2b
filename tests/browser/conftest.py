"""A live site for browser tests: real uvicorn on loopback, the stats plugin, the real files.

Built once per module (importing the real history takes seconds): a kernel with the HTTP
adapter, stats and stopwatch on a fresh database, every file of ``shared_data/stats`` and
``shared_data/endstats`` ingested through ``kernel.ingest``, and sign-in pointed at a fake
Discord on loopback.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from slomix.kernel import Config, IncomingFile, Kernel
from slomix_http.testing import FakeDiscordOAuth, serve

CHROMIUM = "/usr/bin/chromium"
# No network beyond loopback, no downloads, no GPU: the flags a sandboxed CI needs.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@dataclass
class LiveSite:
    url: str
    kernel: Kernel
    discord: FakeDiscordOAuth
    screenshots: Path


async def _ingest(kernel: Kernel, shared_data: Path) -> None:
    for folder in ("stats", "endstats"):
        for path in sorted((shared_data / folder).glob("*.txt")):
            await kernel.ingest(IncomingFile(name=path.name, data=path.read_bytes(), source="test", path=str(path)))
    await kernel.settle()  # the stopwatch has scored every session (on_round) before a page is asked for
    await kernel.plugin("stats").obj.queries.refresh(force=True)


@pytest.fixture(scope="module")
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
async def live_site(slomix_templates, tmp_path_factory, shared_data) -> AsyncIterator[LiveSite]:
    folder = tmp_path_factory.mktemp("site")
    shots = Path(os.environ.get("SLOMIX_SCREENSHOT_DIR") or folder / "screenshots")
    shots.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (set-up, before anything runs)
    with pytest.MonkeyPatch.context() as env, FakeDiscordOAuth() as discord:
        env.setenv("SLOMIX_SESSION_SECRET", "browser-test-secret")
        config = Config({"slomix": {"data_dir": str(folder / "data")},
                         "adapters": {"http": {"rate_limit": {"enabled": False}, "login": discord.login}}})
        kernel = Kernel(config, only={"http", "stats", "stopwatch"})
        kernel.load()
        kernel.db.url = await slomix_templates.fresh_database(kernel)
        try:
            async with kernel:
                await _ingest(kernel, shared_data)
                async with serve(await kernel.first("on_asgi_app")) as url:
                    yield LiveSite(url, kernel, discord, shots)
        finally:
            await slomix_templates.drop(kernel.db.url)


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    if not os.path.exists(CHROMIUM):  # noqa: ASYNC240 (set-up, before anything runs)
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (bin/test does it)")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            await chromium.close()


class Watched:
    """A page whose console errors, page errors and failed requests are recorded."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.problems: list[str] = []
        page.on("console", lambda m: self.problems.append(f"console {m.type}: {m.text}") if m.type == "error"
                else None)
        page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        # A request the browser dropped because the test navigated on (the favicon, typically) is
        # not a failure of the site.
        page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url} {r.failure}")
                if r.failure != "net::ERR_ABORTED" else None)
        page.on("response", lambda r: self.problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400
                else None)


@pytest.fixture
async def watched(browser) -> AsyncIterator[Any]:
    """``await watched(viewport=...)``: a fresh browser context and page, watched for problems."""
    contexts = []

    async def open_page(**context_options: Any) -> Watched:
        context = await browser.new_context(**context_options)
        contexts.append(context)
        return Watched(await context.new_page())

    yield open_page
    for context in contexts:
        await context.close()

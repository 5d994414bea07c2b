"""What the browser tests share: a phone's viewport, visiting a page, finding a link."""

from __future__ import annotations

import re

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True}


async def visit(watched, url: str, heading: str | None = None) -> None:
    response = await watched.page.goto(url)
    assert response is not None and response.status == 200, f"{url}: {response and response.status}"
    h1 = (await watched.page.locator("main h1").first.inner_text()).strip()
    if heading is not None:
        assert heading in h1, f"{url}: {h1!r}"
    assert watched.problems == [], f"{url}: {watched.problems}"


async def first_link(watched, pattern: str) -> str:
    hrefs = await watched.page.eval_on_selector_all("main a", "els => els.map(e => e.getAttribute('href'))")
    return next(h for h in hrefs if h and re.fullmatch(pattern, h))

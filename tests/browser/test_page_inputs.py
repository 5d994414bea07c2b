"""Bad input on the dashboard's pages gets a clear error page, never a 500 (no browser needed)."""

from __future__ import annotations

import httpx2
import pytest

pytestmark = pytest.mark.anyio
HTML = {"accept": "text/html"}


@pytest.mark.parametrize(("path", "status", "message"), [
    ("/leaderboards?category=nope", 422, "Invalid enum value &#x27;nope&#x27; - at `query.category`"),
    ("/leaderboards?page=0", 422, "Expected `int` &gt;= 1 - at `query.page`"),
    ("/leaderboards?page=999999999999", 422, "Expected `int` &lt;= 100000 - at `query.page`"),
    ("/leaderboards?colour=red", 422, "unknown field `colour`"),
    ("/players?q=" + "x" * 65, 422, "Expected `str` of length &lt;= 64 - at `query.q`"),
    ("/players?q=a%00b", 422, "NUL characters are not allowed - at `query.q`"),
    ("/sessions?month=2025-13", 422, "at `query.month`"),
    ("/sessions/yesterday", 404, "is not a session start"),
    ("/sessions/1999-01-01T00:00:00", 404, "no session started at 1999-01-01 00:00:00"),
    ("/rounds/abc", 404, "is not a round number"),
    ("/rounds/99999999999999999999", 404, "is not a round number"),
    ("/rounds/999999", 404, "no round 999999"),
    ("/players/NOBODY", 404, "no player with GUID NOBODY"),
    ("/players/%00", 422, "NUL characters are not allowed - at `path.guid`"),
    ("/sessions/2025%00", 422, "NUL characters are not allowed - at `path.start`"),
    ("/admin", 401, "sign in first: GET /admin needs the admin tier"),
])
async def test_bad_page_input(live_site, path, status, message) -> None:
    async with httpx2.AsyncClient(base_url=live_site.url) as client:
        response = await client.get(path, headers=HTML)
    assert response.status_code == status
    assert message in response.text and "<nav" in response.text


@pytest.mark.parametrize(("path", "where"), [
    ("/api/stats/players/%00", "path.guid"),
    ("/api/stats/sessions/%00", "path.start"),
    ("/api/stats/rounds/1%00", "path.round_id"),
    ("/api/stats/search?q=a%00", "query.q"),
])
async def test_nul_in_an_api_path_or_query_is_422_not_500(live_site, path, where) -> None:
    async with httpx2.AsyncClient(base_url=live_site.url) as client:
        response = await client.get(path)
    assert (response.status_code, response.json()) == (422, {"error": f"NUL characters are not allowed - at `{where}`"})


async def test_pages_with_good_input(live_site) -> None:
    async with httpx2.AsyncClient(base_url=live_site.url) as client:
        for path in ("/leaderboards?category=grenades&page=2", "/players?q=zzzz-nobody", "/sessions?month=2025-10",
                     "/sessions?month=1999-01"):
            response = await client.get(path, headers=HTML)
            assert response.status_code == 200, path
        assert "Nothing here yet." in (await client.get("/sessions?month=1999-01")).text

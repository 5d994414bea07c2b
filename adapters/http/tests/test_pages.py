"""Pages: the shell, navigation from routes, disabled plugins, tiers, panels, errors, assets."""

from __future__ import annotations

import re

import pytest

from slomix.kernel import Actor, Tier

pytestmark = pytest.mark.anyio
HTML = {"accept": "text/html,application/xhtml+xml"}


def nav_of(html: str) -> list[tuple[str, str]]:
    nav = re.search(r'<nav class="nav"[^>]*>(.*?)</nav>', html).group(1)
    return re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav)


async def test_page_inside_the_shell(client) -> None:
    response = await client.get("/")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    html = response.text
    assert html.startswith("<!doctype html>") and "<title>Welcome · Slomix</title>" in html
    assert '<main id="main"><h1>Welcome</h1></main>' in html
    assert '<meta name=viewport content="width=device-width,initial-scale=1">' in html


async def test_nav_is_built_from_routes_in_order(client) -> None:
    html = (await client.get("/players")).text
    assert nav_of(html) == [("/", "Home"), ("/scores", "Scores"), ("/players", "Players")]
    assert '<a href="/players" aria-current=page>Players</a>' in html
    # A string page takes its title from its navigation label.
    assert "<title>Players · Slomix</title>" in html


async def test_admin_pages_are_in_the_nav_only_for_admins(client, sign_in) -> None:
    kernel = client.kernel
    await kernel.permissions.grant("discord:42", Tier.ADMIN, by=_root())
    anonymous = nav_of((await client.get("/")).text)
    assert ("/admin", "Admin") not in anonymous
    sign_in(client, "42", "Boss")
    assert ("/admin", "Admin") in nav_of((await client.get("/")).text)
    assert (await client.get("/admin")).status_code == 200


async def test_disabled_plugin_leaves_the_nav_and_its_routes_answer_404(site) -> None:
    client = await site(config={"plugins": {"scores": {"enabled": False}}})
    assert ("/scores", "Scores") not in nav_of((await client.get("/")).text)
    assert (await client.get("/scores")).status_code == 404
    # ... and its panel leaves the session page.
    assert "Score for" not in (await client.get("/sessions/7")).text


async def test_plugin_that_fails_at_run_time_leaves_too(client) -> None:
    client.kernel.plugin("scores").fail("broken on purpose")
    assert ("/scores", "Scores") not in nav_of((await client.get("/")).text)
    response = await client.get("/scores", headers=HTML)
    assert response.status_code == 404 and "<h1>404</h1>" in response.text


async def test_panels_from_other_plugins(client, caplog) -> None:
    html = (await client.get("/sessions/7")).text
    assert '<section class="panel" data-plugin="scores"><h2>Score for 7</h2></section>' in html
    # The broken panel is left out and logged; the page still renders.
    assert "panel bug" in caplog.text


async def test_page_errors_are_pages(client) -> None:
    missing = await client.get("/players/nobody")
    assert missing.status_code == 404 and "<h1>404</h1>" in missing.text and "no such player" in missing.text
    refused = await client.get("/admin")
    assert refused.status_code == 401 and "needs the admin tier" in refused.text
    assert "<nav" in refused.text  # inside the shell, navigation still there


async def test_refused_page_offers_sign_in_when_login_is_configured(site) -> None:
    client = await site(login={"client_id": "123"})
    refused = await client.get("/admin")
    assert 'href="/auth/login?next=/admin"' in refused.text


async def test_unknown_path_is_an_html_page_for_browsers_json_for_scripts(client) -> None:
    page = await client.get("/no/such/page", headers=HTML)
    assert page.status_code == 404 and "There is no page here." in page.text and "<nav" in page.text
    api = await client.get("/no/such/page")
    assert api.status_code == 404 and api.json() == {"error": "Not Found"}


async def test_adapter_start_page_when_no_plugin_serves_root(site) -> None:
    client = await site(plugins=("scores",))
    html = (await client.get("/")).text
    assert '<ul class=links><li><a href="/scores">Scores</a></li></ul>' in html


async def test_assets_are_local_versioned_and_cached(client) -> None:
    html = (await client.get("/")).text
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', html)
    assert {a.split("?")[0] for a in assets} == {"/static/site.css", "/static/site.js", "/static/favicon.svg"}
    assert "http://" not in html and "https://" not in html  # nothing from elsewhere
    for url in assets:
        response = await client.get(url)
        assert response.status_code == 200
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    plain = await client.get("/static/site.css")
    assert plain.headers["cache-control"] == "public, max-age=3600"
    assert (await client.get("/static/../pyproject.toml")).status_code == 404


async def test_docs_page_lists_operations_and_schemas(client) -> None:
    html = (await client.get("/docs")).text
    assert '<span class="method get">GET</span> <code>/api/items/{item}</code>' in html
    assert '<a href="#schema-Echo">Echo</a>' in html and 'id="schema-Body"' in html
    assert "<code>limit</code></td><td>query</td><td>integer</td>" in html
    assert '<a class="try" href="/api/secret">open</a>' in html


def _root():
    return Actor(id="cli:test", name="test", vouched_tier=Tier.ROOT)

"""Sign-in with Discord against a loopback fake provider: the whole flow, tiers, bad input."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import httpx2
import pytest

from slomix.kernel import Actor, Tier
from slomix_http.testing import FakeDiscordOAuth

pytestmark = pytest.mark.anyio
ROOT = Actor(id="cli:test", name="test", vouched_tier=Tier.ROOT)


@pytest.fixture
def discord():
    with FakeDiscordOAuth() as fake:
        yield fake


@pytest.fixture
async def client(site, discord):
    return await site(login=discord.login)


async def sign_in(client, next_path: str = "/") -> httpx2.Response:
    """Run the browser's part: login → provider → callback; return the callback's answer."""
    start = await client.get("/auth/login", params={"next": next_path})
    assert start.status_code == 303
    async with httpx2.AsyncClient() as browser:
        at_provider = await browser.get(start.headers["location"])
    assert at_provider.status_code == 302, at_provider.text
    back = urlsplit(at_provider.headers["location"])
    return await client.get(f"{back.path}?{back.query}")


async def test_login_redirects_with_state_and_pkce(client, discord) -> None:
    response = await client.get("/auth/login")
    target = urlsplit(response.headers["location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == f"{discord.base_url}/oauth2/authorize"
    params = {k: v[0] for k, v in parse_qs(target.query).items()}
    assert params["client_id"] == discord.client_id and params["response_type"] == "code"
    assert params["scope"] == "identify" and params["code_challenge_method"] == "S256"
    assert params["redirect_uri"] == "http://slomix.test/auth/callback"
    assert len(params["state"]) >= 40 and len(params["code_challenge"]) == 43


async def test_whole_flow_signs_in_and_out(client, discord, csrf_token) -> None:
    done = await sign_in(client, "/players")
    assert done.status_code == 303 and done.headers["location"] == "/players"
    [token_request] = [form for kind, form in discord.requests if kind == "token"]
    assert len(token_request["code_verifier"]) >= 43  # the verifier went with the code
    me = await client.get("/auth/me")
    assert me.json() == {"id": "80351110224678912", "name": "Nelly", "actor": "discord:80351110224678912",
                         "tier": "user"}
    page = (await client.get("/players")).text
    assert '<span class="who">Nelly</span>' in page and "Sign out" in page
    token = await csrf_token(client)
    out = await client.post("/auth/logout", headers={"x-csrf-token": token})
    assert out.status_code == 303 and out.headers["location"] == "/"
    assert (await client.get("/auth/me")).status_code == 401


async def test_tiers_come_from_the_kernel(client) -> None:
    await client.kernel.permissions.grant("discord:80351110224678912", Tier.ADMIN, by=ROOT)
    assert (await client.get("/api/secret")).status_code == 401
    await sign_in(client)
    assert (await client.get("/auth/me")).json()["tier"] == "admin"
    assert (await client.get("/api/secret")).json() == {"secret": 42, "who": "discord:80351110224678912"}


async def test_signed_in_user_below_the_tier_gets_403(client) -> None:
    await sign_in(client)
    response = await client.get("/api/secret")
    assert response.status_code == 403 and "you have user" in response.json()["error"]


async def test_sign_in_starts_a_fresh_session(client, csrf_token) -> None:
    before = await csrf_token(client)
    await sign_in(client)
    assert await csrf_token(client) != before


@pytest.mark.parametrize("target", ["//evil.example/", "https://evil.example/", "players", "/\\evil.example"])
async def test_login_refuses_a_next_that_leaves_the_site(client, target) -> None:
    response = await client.get("/auth/login", params={"next": target}, headers={"accept": "text/html"})
    assert response.status_code == 422 and "`next` must be a path on this site" in response.text


async def test_callback_without_a_login_in_progress(client) -> None:
    response = await client.get("/auth/callback", params={"code": "c", "state": "s"})
    assert response.status_code == 400 and "no sign-in was in progress" in response.text


async def test_callback_with_the_wrong_state(client) -> None:
    await client.get("/auth/login")
    response = await client.get("/auth/callback", params={"code": "c", "state": "forged"})
    assert response.status_code == 400 and "state does not match" in response.text
    # The pending login is spent: replaying it with the right state fails too.
    assert "no sign-in was in progress" in (await client.get("/auth/callback", params={"state": "x"})).text


async def test_callback_without_code(client) -> None:
    start = await client.get("/auth/login")
    state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
    response = await client.get("/auth/callback", params={"state": state})
    assert response.status_code == 400 and "carries no code" in response.text


async def test_callback_when_the_user_refused(client) -> None:
    await client.get("/auth/login")
    response = await client.get("/auth/callback", params={"error": "access_denied", "state": "x"})
    assert response.status_code == 400 and "Discord did not sign you in (access_denied)" in response.text


async def test_callback_after_the_state_expired(client, monkeypatch) -> None:
    start = await client.get("/auth/login")
    state = parse_qs(urlsplit(start.headers["location"]).query)["state"][0]
    import slomix_http.auth as auth

    later = auth.time.time() + 601
    monkeypatch.setattr(auth.time, "time", lambda: later)
    response = await client.get("/auth/callback", params={"code": "c", "state": state})
    assert response.status_code == 400 and "took too long" in response.text


async def test_callback_parameters_are_bounded(client) -> None:
    response = await client.get("/auth/callback", params={"code": "c" * 3000, "state": "s"})
    assert response.status_code == 422 and "query.code" in response.text


async def test_provider_refusing_the_code_is_502(client, discord) -> None:
    discord.token_status = 400
    response = await sign_in(client)
    assert response.status_code == 502 and "refused the sign-in code (HTTP 400)" in response.text
    assert (await client.get("/auth/me")).status_code == 401


async def test_provider_refusing_the_user_is_502(client, discord) -> None:
    discord.user_status = 500
    response = await sign_in(client)
    assert response.status_code == 502 and "did not return the user (HTTP 500)" in response.text


async def test_provider_unreachable_is_502(site, discord) -> None:
    login = {**discord.login, "token_url": "http://127.0.0.1:9/api/oauth2/token"}
    client = await site(login=login)
    response = await sign_in(client)
    assert response.status_code == 502 and "could not be reached" in response.text


async def test_tampered_session_cookie_is_anonymous(client) -> None:
    await sign_in(client)
    value = client.cookies["slomix_session"]
    client.cookies.clear()
    client.cookies.set("slomix_session", value[:-3] + "AAA")
    assert (await client.get("/auth/me")).status_code == 401
    client.cookies.set("slomix_session", "not-even-base64!")
    assert (await client.get("/")).status_code == 200


async def test_login_not_configured_is_503(site) -> None:
    client = await site()
    response = await client.get("/auth/login", headers={"accept": "text/html"})
    assert response.status_code == 503 and "sign-in is not configured" in response.text
    assert "Sign in with Discord" not in (await client.get("/")).text

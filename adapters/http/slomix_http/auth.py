"""Sign-in with Discord: OAuth2 authorization code with PKCE and state, a signed session cookie.

``/auth/login`` remembers a random state and PKCE verifier in the session and sends the
browser to the provider; ``/auth/callback`` checks the state (constant time, with a time
limit), trades the code and verifier for a token, reads the user and starts a fresh
session. The signed-in user acts as ``Actor("discord:<id>")``, so the kernel's permission
tiers decide what they may do.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import secrets
import time
from typing import Annotated
from urllib.parse import urlencode

import httpx2
import msgspec

from slomix.kernel import BadRequest, HTTPError, Redirect, Request, Route, ServiceUnavailable, Tier

from .settings import HttpSettings
from .site import Site, starlette_request

log = logging.getLogger("slomix.http.auth")

Snowflake = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{1,25}$")]


class LoginQuery(msgspec.Struct, forbid_unknown_fields=True):
    next: Annotated[str, msgspec.Meta(max_length=2000)] = "/"

    def __post_init__(self) -> None:
        # Only a path on this site: never an open redirect to another host.
        if not self.next.startswith("/") or self.next.startswith("//") or "\\" in self.next:
            raise ValueError("`next` must be a path on this site, like /players")


class CallbackQuery(msgspec.Struct):
    """What the provider sends back; providers may add parameters of their own."""

    code: Annotated[str, msgspec.Meta(max_length=2048)] | None = None
    state: Annotated[str, msgspec.Meta(max_length=512)] | None = None
    error: Annotated[str, msgspec.Meta(max_length=200)] | None = None


class Me(msgspec.Struct):
    """The signed-in user."""

    id: str
    name: str
    actor: str
    tier: str


class _Token(msgspec.Struct):
    access_token: str
    token_type: str = "Bearer"


class _DiscordUser(msgspec.Struct):
    id: Snowflake
    username: str
    global_name: str | None = None


def _challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class DiscordLogin:
    def __init__(self, settings: HttpSettings, site: Site) -> None:
        self.settings = settings
        self.login = settings.login
        self.site = site

    def _redirect_uri(self, request: Request) -> str:
        base = self.settings.public_url or str(starlette_request(request).base_url)
        return base.rstrip("/") + "/auth/callback"

    def _configured(self) -> str:
        """The client secret; 503 when sign-in is not set up."""
        secret = self.login.client_secret.reveal()
        if self.login.client_id is None or secret is None:
            raise ServiceUnavailable("sign-in is not configured here: set adapters.http.login.client_id and "
                                     f"the {self.login.client_secret.env} environment variable")
        return secret

    async def start(self, request: Request) -> Redirect:
        self._configured()
        state, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(64)
        request.scope["session"]["oauth"] = {"state": state, "verifier": verifier, "next": request.query.next,
                                        "at": time.time()}
        params = {"client_id": self.login.client_id, "response_type": "code", "scope": self.login.scope,
                  "state": state, "redirect_uri": self._redirect_uri(request),
                  "code_challenge": _challenge(verifier), "code_challenge_method": "S256", "prompt": "none"}
        return Redirect(f"{self.login.authorize_url}?{urlencode(params)}")

    async def callback(self, request: Request) -> Redirect:
        secret = self._configured()
        query: CallbackQuery = request.query
        session = request.scope["session"]
        pending = session.pop("oauth", None)
        if query.error:
            raise BadRequest(f"Discord did not sign you in ({query.error}).")
        if not isinstance(pending, dict) or not {"state", "verifier", "next", "at"} <= pending.keys():
            raise BadRequest("no sign-in was in progress in this browser (or its cookie was lost): "
                                     "start again")
        if time.time() - float(pending["at"]) > self.login.state_ttl_seconds:
            raise BadRequest("the sign-in took too long: start again")
        if not query.state or not secrets.compare_digest(query.state.encode(), str(pending["state"]).encode()):
            raise BadRequest("the sign-in state does not match: start again")
        if not query.code:
            raise BadRequest("the callback carries no code: start again")
        user = await self._user(query.code, str(pending["verifier"]), secret, request)
        session.clear()  # a new session on sign-in: nothing from before carries over
        session["user"] = {"id": user.id, "name": user.global_name or user.username}
        log.info("signed in discord:%s (%s)", user.id, user.username)
        return Redirect(str(pending["next"]))

    async def _user(self, code: str, verifier: str, secret: str, request: Request) -> _DiscordUser:
        form = {"client_id": self.login.client_id, "client_secret": secret, "grant_type": "authorization_code",
                "code": code, "redirect_uri": self._redirect_uri(request), "code_verifier": verifier}
        try:
            async with httpx2.AsyncClient(timeout=self.login.timeout_seconds) as client:
                reply = await client.post(self.login.token_url, data=form, headers={"accept": "application/json"})
                if reply.status_code != 200:
                    raise HTTPError(502, f"Discord refused the sign-in code (HTTP {reply.status_code}): "
                                             "start again")
                token = msgspec.json.decode(reply.content, type=_Token)
                reply = await client.get(self.login.user_url,
                                         headers={"authorization": f"{token.token_type} {token.access_token}"})
                if reply.status_code != 200:
                    raise HTTPError(502, f"Discord did not return the user (HTTP {reply.status_code})")
                return msgspec.json.decode(reply.content, type=_DiscordUser)
        except (msgspec.DecodeError, msgspec.ValidationError) as error:
            raise HTTPError(502, f"Discord answered something unexpected: {error}") from None
        except httpx2.HTTPError as error:
            raise HTTPError(502, f"Discord could not be reached: {type(error).__name__}") from None

    async def logout(self, request: Request) -> Redirect:
        request.scope["session"].clear()
        return Redirect("/")

    async def me(self, request: Request) -> Me:
        tier = await self.site.tier(starlette_request(request))
        user = request.scope["session"]["user"]
        return Me(id=user["id"], name=request.actor.name, actor=request.actor.id, tier=str(tier))

    def routes(self) -> list[Route]:
        return [
            Route("GET", "/auth/login", self.start, summary="Sign in with Discord", query_type=LoginQuery,
                  kind="page"),
            Route("GET", "/auth/callback", self.callback, summary="Discord sends the browser back here",
                  query_type=CallbackQuery, kind="page"),
            Route("POST", "/auth/logout", self.logout, summary="Sign out", kind="page"),
            Route("GET", "/auth/me", self.me, summary="The signed-in user and their tier", response_type=Me,
                  tier=Tier.USER, tags=("auth",)),
        ]

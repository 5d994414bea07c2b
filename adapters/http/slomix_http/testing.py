"""Test helpers: serve an ASGI app on a loopback port, and a fake Discord OAuth2 provider.

The fake speaks the real protocol (authorization code with PKCE S256, form-encoded token
request, Bearer user lookup), so the adapter's login runs unchanged against it::

    with FakeDiscordOAuth() as discord:
        kernel = await make_kernel(plugins={"http"}, config={"adapters": {"http": {"login": discord.login}}})
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any
from urllib.parse import parse_qs, urlencode

import anyio
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from .adapter import EmbeddedServer

CLIENT_SECRET_ENV = "SLOMIX_TEST_DISCORD_SECRET"


def _server(app: Any) -> uvicorn.Server:
    config = uvicorn.Config(app, host="127.0.0.1", port=0, lifespan="off", log_config=None,
                            access_log=False, proxy_headers=False)
    return EmbeddedServer(config)


def _url(server: uvicorn.Server) -> str:
    host, port = server.servers[0].sockets[0].getsockname()[:2]
    return f"http://{host}:{port}"


@asynccontextmanager
async def serve(app: Any) -> AsyncIterator[str]:
    """Serve ``app`` with uvicorn on a free loopback port in this event loop; yield its base URL."""
    server = _server(app)
    async with anyio.create_task_group() as tg:
        tg.start_soon(server.serve)
        with anyio.fail_after(10):
            while not server.started:  # noqa: ASYNC110 (uvicorn offers no event to wait on)
                await anyio.sleep(0.01)
        try:
            yield _url(server)
        finally:
            server.should_exit = True


@contextmanager
def serve_in_thread(app: Any) -> Iterator[str]:
    """Serve ``app`` from a thread with its own event loop (for services independent of the test)."""
    server = _server(app)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        for _ in range(1000):
            if server.started:
                break
            threading.Event().wait(0.01)
        else:
            raise RuntimeError("the test server did not start")
        yield _url(server)
    finally:
        server.should_exit = True
        thread.join(10)


class FakeDiscordOAuth:
    """A loopback OAuth2 provider that signs in ``self.user`` as soon as it is asked.

    ``token_status`` and ``user_status`` make the token or user endpoints fail; ``requests``
    records what the adapter sent.
    """

    def __init__(self, user: dict[str, Any] | None = None, client_id: str = "1234567890") -> None:
        self.client_id = client_id
        self.client_secret = secrets.token_urlsafe(16)
        self.user = user or {"id": "80351110224678912", "username": "nelly", "global_name": "Nelly"}
        self.token_status = 200
        self.user_status = 200
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._codes: dict[str, dict[str, Any]] = {}
        self._tokens: dict[str, dict[str, Any]] = {}
        self.base_url = ""
        self.app = Starlette(routes=[
            Route("/oauth2/authorize", self._authorize),
            Route("/api/oauth2/token", self._token, methods=["POST"]),
            Route("/api/users/@me", self._me),
        ])
        self._serving: Any = None

    @property
    def login(self) -> dict[str, Any]:
        """The ``[adapters.http.login]`` table that points the adapter here."""
        return {"client_id": self.client_id, "client_secret": {"env": CLIENT_SECRET_ENV},
                "authorize_url": f"{self.base_url}/oauth2/authorize",
                "token_url": f"{self.base_url}/api/oauth2/token", "user_url": f"{self.base_url}/api/users/@me"}

    def __enter__(self) -> FakeDiscordOAuth:
        self._serving = serve_in_thread(self.app)
        self.base_url = self._serving.__enter__()
        os.environ[CLIENT_SECRET_ENV] = self.client_secret
        return self

    def __exit__(self, *exc: Any) -> None:
        os.environ.pop(CLIENT_SECRET_ENV, None)
        self._serving.__exit__(*exc)

    async def _authorize(self, request: Request) -> Response:
        params = dict(request.query_params)
        self.requests.append(("authorize", params))
        wanted = {"client_id", "response_type", "scope", "state", "redirect_uri", "code_challenge",
                  "code_challenge_method"}
        if not wanted <= params.keys() or params["client_id"] != self.client_id \
                or params["response_type"] != "code" or params["code_challenge_method"] != "S256":
            return JSONResponse({"error": "invalid_request"}, status_code=400)
        code = secrets.token_urlsafe(16)
        self._codes[code] = {"challenge": params["code_challenge"], "redirect_uri": params["redirect_uri"],
                             "user": dict(self.user)}
        target = f"{params['redirect_uri']}?{urlencode({'code': code, 'state': params['state']})}"
        return RedirectResponse(target, status_code=302)

    async def _token(self, request: Request) -> Response:
        form = {k: v[0] for k, v in parse_qs((await request.body()).decode()).items()}
        self.requests.append(("token", form))
        if self.token_status != 200:
            return JSONResponse({"error": "invalid_grant"}, status_code=self.token_status)
        grant = self._codes.pop(form.get("code", ""), None)
        verifier = form.get("code_verifier", "")
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
        if (grant is None or form.get("client_id") != self.client_id
                or form.get("client_secret") != self.client_secret
                or form.get("grant_type") != "authorization_code"
                or form.get("redirect_uri") != grant["redirect_uri"] or challenge != grant["challenge"]):
            return JSONResponse({"error": "invalid_grant"}, status_code=400)
        token = secrets.token_urlsafe(16)
        self._tokens[token] = grant["user"]
        return JSONResponse({"access_token": token, "token_type": "Bearer", "expires_in": 604800,
                             "scope": "identify"})

    async def _me(self, request: Request) -> Response:
        self.requests.append(("me", {"authorization": request.headers.get("authorization", "")}))
        kind, _, token = request.headers.get("authorization", "").partition(" ")
        if self.user_status != 200 or kind != "Bearer" or token not in self._tokens:
            return JSONResponse({"message": "401: Unauthorized"}, status_code=self.user_status
                                if self.user_status != 200 else 401)
        return JSONResponse(self._tokens[token])


def baseline_app() -> Starlette:
    """One bare Starlette JSON route (``/json``, ``/health``): what the adapter's overhead is measured against."""

    async def hello(_request: Request) -> Response:
        return JSONResponse({"hello": "world", "rows": [{"rank": i, "value": i * 1.5} for i in range(10)]})

    return Starlette(routes=[Route("/json", hello), Route("/health", hello)])


def schemathesis_failures(base_url: str, max_examples: int = 25, *, every_check: bool = False) -> list[str]:
    """Fuzz every operation of ``base_url``/openapi.json with schemathesis; describe each failure.
    ``every_check``: all of schemathesis' checks, not only the server-error and conformance ones.

    Blocking (schemathesis and hypothesis are synchronous): call it from a worker thread
    while the server runs in the test's event loop.
    """
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from schemathesis import checks

    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    wanted = checks.CHECKS.get_all() if every_check else [
        checks.not_a_server_error, checks.status_code_conformance, checks.content_type_conformance,
        checks.response_schema_conformance]
    failures = []
    for result in schema.get_all_operations():
        operation = result.ok()

        @settings(max_examples=max_examples, database=None, deadline=None,
                  suppress_health_check=list(HealthCheck))
        @given(operation.as_strategy())
        def fuzz(case: Any) -> None:
            case.validate_response(case.call(base_url=base_url, timeout=10), checks=wanted)

        try:
            fuzz()
        except KeyboardInterrupt:
            raise
        except BaseException as error:  # schemathesis reports through exception groups
            failures.append(f"{operation.label}: {_summary(error)}")
    return failures


def _summary(error: BaseException) -> str:
    """The kinds of failure and the ``curl`` line that reproduces them."""
    lines = [line.strip() for line in str(error).splitlines()]
    kinds = [line[2:] for line in lines if line.startswith("- ")]
    curl = next((line for line in lines if line.startswith("curl ")), "")
    return f"{'; '.join(kinds) or type(error).__name__}: {curl or error}"

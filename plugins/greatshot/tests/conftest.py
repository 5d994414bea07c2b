"""Fixtures of the greatshot tests: a kernel with stats, greatshot and the HTTP adapter, a signed-in
client with its CSRF token."""

from __future__ import annotations

from typing import Any

import pytest
from greatshot_helpers import SESSION_SECRET, csrf, sign_in


@pytest.fixture(autouse=True)
def session_secret(monkeypatch) -> None:
    monkeypatch.setenv("SLOMIX_SESSION_SECRET", SESSION_SECRET)


@pytest.fixture
def greatshot_site(make_kernel, http_client):
    """``await greatshot_site(settings={...}, user="42")``: a client (``.kernel``) signed in as ``user``
    (None: anonymous), sending the session's CSRF token with every request."""

    async def factory(settings: dict[str, Any] | None = None, user: str | None = "42", **config: Any):
        data = {"adapters": {"http": {"rate_limit": {"enabled": False}}},
                "plugins": {"greatshot": settings or {}}, **config}
        kernel = await make_kernel(plugins={"stats", "greatshot", "http"}, config=data)
        client = await http_client(kernel)
        client.kernel = kernel
        if user is not None:
            sign_in(client, user, f"player{user}")
            client.headers["x-csrf-token"] = await csrf(client)
        return client

    return factory

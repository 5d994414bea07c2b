"""``[adapters.http]``: where to listen, the login provider, sessions, limits and metrics."""

from __future__ import annotations

from urllib.parse import urlsplit

import msgspec

from slomix.kernel import Secret


def _check_url(name: str, value: str | None) -> None:
    if value is None:
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"{name} must be an absolute http(s) URL, got {value!r}")


class LoginSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``[adapters.http.login]``: Discord OAuth2, authorization code with PKCE.

    The three URLs are settings so that tests (and a self-hosted provider) can point
    the flow somewhere else than discord.com.
    """

    client_id: str | None = None
    client_secret: Secret = Secret(env="DISCORD_CLIENT_SECRET")
    authorize_url: str = "https://discord.com/oauth2/authorize"
    token_url: str = "https://discord.com/api/oauth2/token"
    user_url: str = "https://discord.com/api/users/@me"
    scope: str = "identify"
    state_ttl_seconds: int = 600
    timeout_seconds: float = 10.0

    def __post_init__(self) -> None:
        for name in ("authorize_url", "token_url", "user_url"):
            _check_url(name, getattr(self, name))
        if self.state_ttl_seconds <= 0 or self.timeout_seconds <= 0:
            raise ValueError("state_ttl_seconds and timeout_seconds must be positive")


class RateLimitSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``[adapters.http.rate_limit]``: a token bucket per client IP (static files are free)."""

    enabled: bool = True
    per_second: float = 20.0
    burst: int = 120

    def __post_init__(self) -> None:
        if self.per_second <= 0 or self.burst < 1:
            raise ValueError("per_second must be positive and burst at least 1")


class HttpSettings(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """``[adapters.http]``."""

    host: str = "127.0.0.1"
    port: int = 8000
    # The address people use (``https://stats.example.org``): the OAuth redirect URI and
    # the allowed Origin derive from it; without it, from each request's own Host.
    public_url: str | None = None
    # Signs the session cookie. Unset: a random key per process (sessions end on restart).
    session_secret: Secret = Secret(env="SLOMIX_SESSION_SECRET")
    session_max_age_seconds: int = 14 * 24 * 3600
    # Peers whose X-Forwarded-For is believed: none unless configured (a reverse proxy on this
    # host: ["127.0.0.1", "::1"]), else any client reaching the server on loopback picks its address.
    trusted_proxies: list[str] = []
    max_body_bytes: int = 1024 * 1024
    # Public JSON answers are kept this long, or until the next round is committed (0: off).
    cache_seconds: float = 10.0
    metrics: bool = True
    # Client addresses (after trusted proxies) allowed to read /metrics; anyone else gets 404.
    metrics_allow: list[str] = msgspec.field(default_factory=lambda: ["127.0.0.1", "::1"])
    login: LoginSettings = LoginSettings()
    rate_limit: RateLimitSettings = RateLimitSettings()

    def __post_init__(self) -> None:
        _check_url("public_url", self.public_url)
        if not 0 <= self.port <= 65535:
            raise ValueError(f"port must be 0..65535, got {self.port}")
        if self.cache_seconds < 0:
            raise ValueError("cache_seconds must be 0 (off) or positive")
        if self.max_body_bytes < 1 or self.session_max_age_seconds < 1:
            raise ValueError("max_body_bytes and session_max_age_seconds must be positive")

    @property
    def secure_cookies(self) -> bool:
        return bool(self.public_url and self.public_url.startswith("https://"))

"""The HTTP adapter: mounts every plugin's routes and pages on one Starlette app."""

from .adapter import HttpAdapter
from .settings import HttpSettings, LoginSettings, RateLimitSettings

__all__ = ["HttpAdapter", "HttpSettings", "LoginSettings", "RateLimitSettings"]

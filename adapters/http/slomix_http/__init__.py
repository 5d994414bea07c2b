"""The HTTP adapter: mounts every plugin's routes and pages on one Starlette app."""

from .adapter import HttpAdapter, HttpSettings

__all__ = ["HttpAdapter", "HttpSettings"]

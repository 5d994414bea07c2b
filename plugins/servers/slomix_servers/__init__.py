"""Game servers: status and RCON over the real ET:Legacy UDP protocol, live status, an audit of every RCON call."""

from .plugin import ServersPlugin

__all__ = ["ServersPlugin"]

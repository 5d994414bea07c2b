"""Opening an SFTP session to a game server, with its host key checked against known_hosts."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncssh

from .settings import GameServer

# SFTP errors that mean the session is gone (reconnect), unlike those about one file or folder.
SESSION_LOST = (asyncssh.SFTPConnectionLost, asyncssh.SFTPNoConnection)


@asynccontextmanager
async def open_sftp(server: GameServer, connect_timeout: float) -> AsyncIterator[Any]:
    """An SFTP client for ``server``.

    Only the configured key and known_hosts file are used: no ssh config, no agent, and an
    unknown or changed host key refuses the connection (never trust on first use).
    """
    async with asyncssh.connect(
        server.host, server.port, username=server.user, client_keys=[server.key_path],
        known_hosts=server.known_hosts, config=[], agent_path=None, x509_trusted_certs=None,
        connect_timeout=connect_timeout, login_timeout=connect_timeout, keepalive_interval=30, keepalive_count_max=3,
    ) as conn, conn.start_sftp_client() as sftp:
        yield sftp


def describe(error: BaseException) -> str:
    """A one-line reason for health reports and logs."""
    if isinstance(error, asyncssh.HostKeyNotVerifiable):
        return f"host key not verifiable (check known_hosts): {error.reason}"
    if isinstance(error, asyncssh.PermissionDenied):
        return f"authentication refused: {error.reason}"
    if isinstance(error, TimeoutError):
        return "timed out"
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror}" + (f": {error.filename}" if error.filename else "")
    return f"{type(error).__name__}: {error}"

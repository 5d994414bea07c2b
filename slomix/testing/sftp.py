"""A real asyncssh SFTP server on loopback for poller tests. Built in the game-server files issue."""

from __future__ import annotations

import pytest


@pytest.fixture
async def sftp_server():
    pytest.fail("sftp_server is not built yet")

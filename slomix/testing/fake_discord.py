"""A loopback Discord (gateway + REST) that nextcord talks to unchanged. Built in the Discord issue."""

from __future__ import annotations

import pytest


@pytest.fixture
async def fake_discord():
    pytest.fail("fake_discord is not built yet")

"""Without a token the Discord adapter idles and says what to configure."""

import logging

import pytest

pytestmark = pytest.mark.anyio


async def test_idles_with_one_line_without_a_token(make_kernel, caplog, monkeypatch) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    kernel = await make_kernel(plugins={"discord"})
    with caplog.at_level(logging.INFO, logger="slomix.discord"):
        await kernel.serve()  # returns: nothing to serve
    lines = [r.getMessage() for r in caplog.records if r.name == "slomix.discord"]
    assert lines == ["discord adapter idle: set DISCORD_TOKEN (or adapters.discord.token) to connect a bot"]


async def test_token_is_a_reference(make_kernel) -> None:
    kernel = await make_kernel(plugins={"discord"},
                               config={"adapters": {"discord": {"token": {"env": "MY_BOT_TOKEN"}}}})
    assert kernel.settings_for("discord").token.env == "MY_BOT_TOKEN"

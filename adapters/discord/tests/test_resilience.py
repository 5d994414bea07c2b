"""Gateway drops, rate limits and a refused token: the bot carries on (or says why it cannot)."""

from __future__ import annotations

import logging

import pytest

from slomix.testing.fake_discord import serving

pytestmark = pytest.mark.anyio


async def test_the_bot_resumes_after_the_gateway_drops(discord_kernel, fake_discord, toys) -> None:
    await discord_kernel(plugins={"core"}, extra=toys)
    assert (await fake_discord.ask("!add 1 1")).embed["description"] == "1 + 1 = 2"
    assert await fake_discord.disconnect(code=4000) == "resumed"
    assert (await fake_discord.ask("!add 2 2")).embed["description"] == "2 + 2 = 4"
    assert (await fake_discord.invoke_slash("add", {"a": 3, "b": 3})).embed["description"] == "3 + 3 = 6"
    assert fake_discord.identifies == 1


async def test_a_message_sent_while_disconnected_is_answered_after_resuming(discord_kernel, fake_discord,
                                                                           toys) -> None:
    await discord_kernel(plugins={"core"}, extra=toys)
    await fake_discord.disconnect(wait=False)
    answer = await fake_discord.ask("!add 20 22")  # replayed on RESUME, as Discord does
    assert answer.embed["description"] == "20 + 22 = 42"
    assert fake_discord.resumes == 1


async def test_an_invalidated_session_identifies_again(discord_kernel, fake_discord, toys) -> None:
    await discord_kernel(plugins={"core"}, extra=toys)
    assert await fake_discord.disconnect(code=4009, resumable=False) == "identified"
    assert fake_discord.identifies == 2
    assert (await fake_discord.ask("!add 1 2")).embed["description"] == "1 + 2 = 3"
    assert (await fake_discord.invoke_slash("add", {"a": 2, "b": 2})).embed["description"] == "2 + 2 = 4"


async def test_a_rate_limited_reply_is_sent_after_retry_after(discord_kernel, fake_discord, toys) -> None:
    await discord_kernel(plugins={"core"}, extra=toys)
    fake_discord.throttle("POST", r"/channels/\d+/messages", retry_after=0.3)
    answer = await fake_discord.ask("!add 4 5")
    assert answer.embed["description"] == "4 + 5 = 9"
    limited, sent = fake_discord.calls("POST", r"/channels/\d+/messages")
    assert (limited.status, sent.status) == (429, 200)
    assert sent.at - limited.at >= 0.3


async def test_a_rate_limited_interaction_answer_is_retried(discord_kernel, fake_discord, toys) -> None:
    await discord_kernel(plugins={"core"}, extra=toys)
    fake_discord.throttle("POST", r"/webhooks/\d+/[^/]+", retry_after=0.3)  # the follow-up with the answer
    answer = await fake_discord.invoke_slash("add", {"a": 4, "b": 5})
    assert answer.embed["description"] == "4 + 5 = 9"
    limited, sent = fake_discord.calls("POST", r"/webhooks/\d+/[^/]+")
    assert (limited.status, sent.status) == (429, 200)
    assert sent.at - limited.at >= 0.3


async def test_the_fake_sends_rate_limit_headers_so_nextcord_never_guesses(discord_kernel, fake_discord,
                                                                           toys) -> None:
    await discord_kernel(plugins={"core"}, extra=toys)
    for n in range(5):  # without headers nextcord would space these a second apart
        await fake_discord.ask(f"!add {n} 1", within=0.9)
    assert fake_discord.unhandled == []


async def test_a_reply_discord_refuses_becomes_an_error_id(discord_kernel, fake_discord, toys, caplog) -> None:
    await discord_kernel(plugins={"core"}, extra=toys)
    fake_discord.fail("POST", r"/channels/\d+/messages", status=400)
    with caplog.at_level(logging.ERROR, logger="slomix.discord"):
        await fake_discord.send_message("!add 1 1")
        error = await fake_discord.wait_for_message(lambda m: m.embed.get("title") == "Error")
    error_id = error.embed["footer"]["text"].removeprefix("error id ")
    assert f"discord: !add failed, error id {error_id}" in caplog.text and "fake failure 400" in caplog.text
    assert (await fake_discord.ask("!add 2 2")).embed["description"] == "2 + 2 = 4"


async def test_discord_down_at_start_up_is_waited_out(discord_kernel, fake_discord, toys, caplog) -> None:
    fake_discord.fail("GET", "/users/@me", status=503)
    with caplog.at_level(logging.WARNING, logger="slomix.discord"):
        await discord_kernel(plugins={"core"}, extra=toys)
    assert "discord: cannot reach Discord" in caplog.text
    assert [r.status for r in fake_discord.calls("GET", "/users/@me")] == [503, 200]
    assert (await fake_discord.ask("!add 1 1")).embed["description"] == "1 + 1 = 2"


async def test_a_refused_token_is_one_clear_log_line(make_kernel, fake_discord, monkeypatch, caplog) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "not-the-token")
    kernel = await make_kernel(plugins={"discord"}, config={"adapters": {"discord": fake_discord.settings()}})
    with caplog.at_level(logging.ERROR, logger="slomix.discord"):
        await kernel.serve()  # returns: nothing more to serve
    assert [r.getMessage() for r in caplog.records if r.name == "slomix.discord"] == [
        "discord: the token in DISCORD_TOKEN was refused"]
    assert fake_discord.calls("GET", "/users/@me")[0].status == 401


async def test_serving_a_bot_that_cannot_connect_says_so(make_kernel, fake_discord, monkeypatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "not-the-token")
    kernel = await make_kernel(plugins={"discord"}, config={"adapters": {"discord": fake_discord.settings()}})
    with pytest.raises(RuntimeError, match=r"kernel.serve\(\) ended before the Discord adapter was ready"):
        async with serving(kernel):
            pass

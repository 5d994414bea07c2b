"""Prefix and slash commands answered by the real bot through the loopback Discord."""

from __future__ import annotations

import logging

import pytest

from slomix.kernel.reply import COLOUR_ERROR

from .conftest import png

pytestmark = pytest.mark.anyio


async def test_a_prefix_command_answers_with_an_embed(discord_kernel, fake_discord, toys) -> None:
    await discord_kernel(plugins={"core"}, extra=toys)
    bob = fake_discord.user("bob")
    answer = await fake_discord.ask("!add 2 40", author=bob)
    assert answer.embed["title"] == "Sum"
    assert answer.embed["description"] == "2 + 40 = 42"
    assert answer.embed["fields"] == [{"name": "asked by", "value": f"discord:{bob.id}", "inline": True}]
    assert answer.channel_id == fake_discord.general.id
    ping = await fake_discord.ask("!ping")
    assert ping.embed["title"] == "Pong" and ping.embed["description"].startswith("database ok")


async def test_an_alias_and_a_configured_prefix(discord_kernel, fake_discord, toys) -> None:
    await discord_kernel(plugins={"core"}, extra=toys, prefix="?")
    assert (await fake_discord.ask("?plus 1 1")).embed["description"] == "1 + 1 = 2"
    await fake_discord.send_message("!plus 1 1")  # chat for another bot: ignored
    await fake_discord.send_message("? not a command")
    last = await fake_discord.ask("?help add")
    assert "Aliases: `!plus`" in last.embed["description"]
    assert len(fake_discord.sent_messages()) == 2


async def test_unknown_commands_and_bad_arguments_are_explained(discord_kernel, fake_discord, toys) -> None:
    await discord_kernel(plugins={"core"}, extra=toys)
    unknown = await fake_discord.ask("!ad 1 2")
    assert unknown.embed["title"] == "Unknown command"
    assert "There is no !ad command. Did you mean !add" in unknown.embed["description"]
    usage = await fake_discord.ask("!add one 2")
    assert usage.embed["title"] == "Usage" and usage.embed["color"] == COLOUR_ERROR
    assert usage.embed["description"] == "a must be a whole number, not 'one'"


async def test_a_slash_command_gets_typed_options(discord_kernel, fake_discord, toys) -> None:
    await discord_kernel(plugins={"core"}, extra=toys)
    registered = fake_discord.commands()
    assert [(o["name"], o["type"], o.get("required", False)) for o in registered["scale"]["options"]] == [
        ("factor", 10, True), ("loud", 5, False)]  # required first, as Discord wants
    assert registered["add"]["description"] == "Add two whole numbers"
    assert [c["value"] for c in registered["pick"]["options"][0]["choices"]] == ["red", "blue"]
    assert "plus" not in registered  # aliases are prefix-only

    bob = fake_discord.user("bob")
    answer = await fake_discord.invoke_slash("add", {"a": 5, "b": 6}, user=bob)
    assert answer.embed["description"] == "5 + 6 = 11"
    assert answer.embed["fields"][0]["value"] == f"discord:{bob.id}"
    assert (await fake_discord.invoke_slash("scale", {"factor": 0.25, "loud": True})).embed["description"] == "2.5!"
    assert (await fake_discord.invoke_slash("scale", {"factor": 2})).embed["description"] == "20.0"
    assert (await fake_discord.invoke_slash("pick", {"colour": "blue"})).embed["description"] == "blue"
    assert (await fake_discord.invoke_slash("help")).embed["title"] == "Commands"


async def test_autocomplete_offers_what_the_argument_completes(discord_kernel, fake_discord, toys) -> None:
    await discord_kernel(plugins={"core"}, extra=toys)
    option = fake_discord.commands()["player"]["options"][0]
    assert option["autocomplete"] is True
    choices = await fake_discord.autocomplete("player", {"name": "vi"}, focused="name")
    assert choices == [{"name": "vid", "value": "vid"}, {"name": "vidar", "value": "vidar"}]
    assert await fake_discord.autocomplete("player", {"name": "zz"}, focused="name") == []
    answer = await fake_discord.invoke_slash("player", {"name": "vidar"})
    assert answer.embed["title"] == "Player vidar" and answer.embed["footer"]["text"] == "from the toys plugin"


async def test_a_long_table_pages_with_buttons(discord_kernel, fake_discord, toys) -> None:
    await discord_kernel(plugins={"core"}, extra=toys)
    answer = await fake_discord.ask("!ranks 40")
    assert answer.embed["footer"]["text"] == "page 1/3"
    assert "player1 " in answer.embed["description"] and "player16" not in answer.embed["description"]
    assert [(b["label"], b.get("disabled", False)) for b in answer.buttons()] == [("Previous", True),
                                                                                   ("Next", False)]
    page2 = await fake_discord.click_button(answer, answer.button("Next"), user=fake_discord.user("carol"))
    assert page2.id == answer.id  # the same message, edited
    assert page2.embed["footer"]["text"] == "page 2/3"
    assert "player16" in page2.embed["description"] and "player1 " not in page2.embed["description"]
    page3 = await fake_discord.click_button(page2, page2.button("Next"))
    assert page3.embed["footer"]["text"] == "page 3/3"
    assert [b.get("disabled", False) for b in page3.buttons()] == [False, True]
    back = await fake_discord.click_button(page3, page3.button("Previous"))
    assert back.embed["footer"]["text"] == "page 2/3"

    slashed = await fake_discord.invoke_slash("ranks", {"rows": 20})  # slash answers page too
    assert slashed.embed["footer"]["text"] == "page 1/2"
    assert (await fake_discord.click_button(slashed, slashed.button("Next"))).embed["footer"]["text"] == "page 2/2"
    short = await fake_discord.ask("!ranks 3")
    assert "footer" not in short.embed and short.buttons() == []


async def test_an_image_is_an_attachment(discord_kernel, fake_discord, toys) -> None:
    await discord_kernel(plugins={"core"}, extra=toys)
    for answer in (await fake_discord.ask("!chart"), await fake_discord.invoke_slash("chart")):
        assert answer.embed["image"]["url"] == "attachment://kills_chart.png"
        [attachment] = answer.attachments
        assert (attachment.filename, attachment.data, attachment.description) == (
            "kills_chart.png", png(), "kills per map")


async def test_admin_commands_are_refused_until_a_root_grants_the_tier(discord_kernel, fake_discord, toys,
                                                                       caplog) -> None:
    root, bob = fake_discord.user("root"), fake_discord.user("bob")
    kernel = await discord_kernel(plugins={"core"}, extra=toys,
                                  config={"slomix": {"root_users": [f"discord:{root.id}"]}})
    with caplog.at_level(logging.WARNING, logger="slomix.kernel"):
        refused = await fake_discord.ask("!secret", author=bob)
    assert refused.embed["title"] == "Not allowed" and refused.embed["color"] == COLOUR_ERROR
    assert refused.embed["description"] == "command secret needs the admin tier; you have user."
    assert any("refused command secret to bob" in r.getMessage() for r in caplog.records)
    slash_refused = await fake_discord.invoke_slash("admin_list", user=bob)
    assert slash_refused.embed["title"] == "Not allowed"

    also_refused = await fake_discord.ask(f"!admin_add {bob.mention} admin", author=bob)
    assert also_refused.embed["title"] == "Not allowed"
    granted = await fake_discord.ask(f"!admin_add {bob.mention} admin trusted", author=root)
    assert granted.embed["description"] == f"discord:{bob.id} is now admin."
    assert (await fake_discord.ask("!secret", author=bob)).embed["title"] == "Secret"
    assert (await fake_discord.invoke_slash("admin_list", user=bob)).embed["title"] == "Permission tiers"
    audit = await kernel.permissions.audit()
    assert [a["action"] for a in audit][:2] == ["grant", "refused"]


async def test_a_crashing_command_answers_with_an_error_id_and_the_bot_goes_on(discord_kernel, fake_discord,
                                                                              toys, caplog) -> None:
    await discord_kernel(plugins={"core"}, extra=toys)
    with caplog.at_level(logging.ERROR, logger="slomix.commands"):
        crashed = await fake_discord.ask("!boom")
        slash_crashed = await fake_discord.invoke_slash("boom")
    for answer in (crashed, slash_crashed):
        assert answer.embed["title"] == "Error"
        error_id = answer.embed["footer"]["text"].removeprefix("error id ")
        assert answer.embed["description"] == f"Something went wrong. Error id {error_id}."
        assert any(error_id in r.getMessage() and r.exc_info for r in caplog.records)
    assert crashed.embed["footer"] != slash_crashed.embed["footer"]
    assert (await fake_discord.ask("!add 1 2")).embed["description"] == "1 + 2 = 3"


async def test_a_disabled_plugin_has_no_commands(discord_kernel, fake_discord, toys) -> None:
    await discord_kernel(plugins={"core"}, extra=toys, config={"plugins": {"toys": {"enabled": False}}})
    assert "add" not in fake_discord.commands() and "help" in fake_discord.commands()
    assert (await fake_discord.ask("!add 1 2")).embed["title"] == "Unknown command"
    assert "`!add`" not in str((await fake_discord.ask("!help")).embed)


async def test_attachments_reach_a_command_that_takes_files(discord_kernel, fake_discord, toys) -> None:
    import hashlib

    await discord_kernel(plugins={"core"}, extra=toys)
    answer = await fake_discord.ask("!digest", attachments=[("a.txt", b"hello"), ("b.txt", b"world!")], within=10)
    assert answer.embed["description"] == (f"a.txt 5 {hashlib.sha256(b'hello').hexdigest()} hello\n"
                                           f"b.txt 6 {hashlib.sha256(b'world!').hexdigest()} world!")
    # Over the command's limit: refused by its size, never downloaded.
    big = await fake_discord.ask("!digest", attachments=[("big.txt", b"x" * 101)], within=10)
    assert big.embed["title"] == "Usage"
    assert big.embed["description"] == "big.txt is 101 bytes: !digest takes files up to 100 bytes"
    # A command that takes no files does not fetch them.
    await fake_discord.ask("!add 1 2", attachments=[("c.txt", b"ignored")], within=10)
    assert fake_discord.attachment_downloads == ["a.txt", "b.txt"]

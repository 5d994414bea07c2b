"""The stats plugin on Discord, end to end: real files in, the real bot out, through the loopback Discord."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import anyio
import asyncpg
import pytest

from slomix.kernel import Config, IncomingFile, Kernel
from slomix.testing import CLI_ACTOR
from slomix.testing.database import with_database
from slomix.testing.fake_discord import serving
from slomix_discord.render import TABLE_WIDTH
from slomix_stats.commands.sessions import VIEWS

pytestmark = pytest.mark.anyio

PLUGINS = {"stats", "stopwatch", "core", "discord"}
# A whole evening (2025-10-14): R1/R2 pairs of several maps.
EVENING = "2025-10-14-2"


def incoming(path: Path) -> IncomingFile:
    return IncomingFile(name=path.name, data=path.read_bytes(), source="test", path=str(path))


@pytest.fixture(scope="module")
def history_template(slomix_templates, shared_data: Path, tmp_path_factory) -> Iterator[str]:
    """A database holding every real stats file, imported once for this module."""
    data_dir = tmp_path_factory.mktemp("history")

    async def build() -> str:
        kernel = Kernel(Config({"slomix": {"data_dir": str(data_dir)}}), only=PLUGINS).load()
        kernel.db.url = await slomix_templates.fresh_database(kernel)
        async with kernel:
            for path in sorted((shared_data / "stats").glob("*.txt")):
                await kernel.ingest(incoming(path))
            await kernel.settle()  # the stopwatch scores each session as its rounds arrive
        return kernel.db.url

    url = anyio.run(build)
    yield url
    anyio.run(slomix_templates.drop, url)


@pytest.fixture
async def history_bot(history_template, slomix_templates, fake_discord, monkeypatch, tmp_path) -> AsyncIterator[Kernel]:
    """A kernel on a copy of the real history, its Discord bot connected to ``fake_discord``."""
    source = urlsplit(history_template).path.lstrip("/")
    name = f"{source}_discord_{abs(hash(tmp_path)) % 10**8}"
    admin = await asyncpg.connect(slomix_templates.admin_url)
    await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    await admin.close()
    monkeypatch.setenv("DISCORD_TOKEN", fake_discord.token)
    config = {"slomix": {"data_dir": str(tmp_path)}, "adapters": {"discord": fake_discord.settings()}}
    kernel = Kernel(Config(config), only=PLUGINS).load()
    kernel.db.url = with_database(slomix_templates.admin_url, name)
    try:
        async with kernel, serving(kernel):
            yield kernel
    finally:
        await slomix_templates.drop(kernel.db.url)


async def cli_reply(kernel: Kernel, line: str) -> Any:
    """What the same command answers without Discord (``slomix cmd``)."""
    return await kernel.commands.dispatch(kernel, line, CLI_ACTOR)


async def test_stats_prefix_and_slash_show_the_player_card(history_bot, fake_discord) -> None:
    expected = await cli_reply(history_bot, "!stats vid")
    for answer in (await fake_discord.ask("!stats vid"), await fake_discord.invoke_slash("stats", {"player": "vid"})):
        assert answer.embed["title"] == "vid — lifetime"
        assert answer.embed["description"] == expected.description
        assert [(f["name"], f["value"]) for f in answer.embed["fields"]] == [(f.name, f.value)
                                                                             for f in expected.fields]
        kills = next(f["value"] for f in answer.embed["fields"] if f["name"] == "Kills / deaths")
        assert kills.startswith(f"{expected.data.kills} / {expected.data.deaths} (K/D ")


async def test_stats_for_an_unknown_player_is_a_polite_error(history_bot, fake_discord) -> None:
    answer = await fake_discord.ask("!stats nobody-like-this")
    assert answer.embed["title"] == "Usage" and "no player matches" in answer.embed["description"]


async def test_leaderboard_pages_with_buttons_and_a_chart(history_bot, fake_discord) -> None:
    expected = await cli_reply(history_bot, "!lb kills")
    board = expected.data
    assert board.pages > 1, "the real history has more than ten ranked players"
    answer = await fake_discord.ask("!lb kills")
    assert answer.embed["title"] == "Leaderboard: Kills"
    first = board.rows[0]
    assert f"{first.name}" in answer.embed["description"] and str(first.display) in answer.embed["description"]
    assert answer.embed["image"]["url"] == "attachment://lb_kills.png"
    [chart] = answer.attachments
    assert chart.filename == "lb_kills.png" and chart.data.startswith(b"\x89PNG")
    assert answer.embed["footer"]["text"].startswith(f"page 1/{board.pages}")

    page2 = await fake_discord.click_button(answer, answer.button("Next"))
    second = expected.pages[0].data.rows[0]
    assert second.rank == 11 and second.name in page2.embed["description"]
    assert page2.embed["footer"]["text"].startswith(f"page 2/{board.pages}")
    assert page2.attachments == answer.attachments  # the chart stays with the message

    by_slash = await fake_discord.invoke_slash("leaderboard", {"category": "kills"})
    assert by_slash.embed["title"] == "Leaderboard: Kills" and by_slash.button("Next")


async def test_compare_sends_the_bar_charts(history_bot, fake_discord) -> None:
    answer = await fake_discord.ask("!compare vid olz")
    assert answer.embed["title"].startswith("vid vs ")
    assert answer.embed["image"]["url"] == "attachment://compare.png"
    [chart] = answer.attachments
    assert chart.data.startswith(b"\x89PNG") and chart.description.startswith("Bar charts: vid vs ")
    assert "K/D" in answer.embed["description"]


async def test_last_session_fits_a_phone_and_its_views_are_buttons(history_bot, fake_discord) -> None:
    expected = await cli_reply(history_bot, "!last_session")
    answer = await fake_discord.ask("!last_session")
    assert answer.embed["title"] == "Session #21 — 2025-10-23 21:28–23:29" == expected.title
    description = answer.embed["description"]
    assert description.startswith("S*F 12\u20136 allbad — S*F win · 4v4\nS*F: endekk, SmetarskiProner, SuperBoyy, vid\n"
                                  "allbad: .olz, bronze., carniee, qmr\n\nMVP: bronze. — 326.3 DPM, K/D 1.24")
    assert answer.embed["color"] == expected.colour
    blocks = re.findall(r"```\n(.*?)```", description, re.S)
    assert blocks and all(len(line) <= TABLE_WIDTH for block in blocks for line in block.splitlines())
    assert "etl_adlernest      2       0  5:07  5:05" in blocks[0]  # the map, its points, both attack times
    assert [b["label"] for b in answer.buttons()] == ["Previous", "Next", *(v for v in VIEWS if v != "summary")]

    combat = await fake_discord.click_button(answer, answer.button("combat"))
    assert combat.embed["title"] == expected.title and combat.embed["description"].endswith("**S*F**")
    # Eight columns do not fit a phone: a field per player, the columns named in it.
    vid = next(f for f in combat.embed["fields"] if f["name"] == "vid")
    assert vid["value"].startswith("kills 120 · deaths 110 · K/D 1.09 · dmg given 24594")


async def test_stats_autocompletes_player_names(history_bot, fake_discord) -> None:
    option = next(o for o in fake_discord.commands()["stats"]["options"] if o["name"] == "player")
    assert option.get("autocomplete") is True
    choices = await fake_discord.autocomplete("stats", {"player": "vi"}, focused="player")
    assert "vid" in [c["value"] for c in choices]


async def test_an_import_announces_its_rounds_and_the_session(make_kernel, fake_discord, monkeypatch,
                                                             shared_data) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", fake_discord.token)
    # The real files are old: make them count as news so the plugin announces them.
    kernel = await make_kernel(plugins=PLUGINS, config={"adapters": {"discord": fake_discord.settings()},
                                                        "plugins": {"stats": {"announce_max_age_hours": 1e6}}})
    async with serving(kernel):
        await import_and_watch_the_channel(kernel, fake_discord, shared_data)


async def import_and_watch_the_channel(kernel: Kernel, fake_discord: Any, shared_data: Path) -> None:
    files = sorted((shared_data / "stats").glob(f"{EVENING}*.txt"))[:4]  # two maps, R1 and R2 each
    channel = fake_discord.announcements
    for path in files:
        [(_, outcome)] = await kernel.ingest(incoming(path))
        assert outcome.status == "imported"
    await kernel.settle()
    # The session ends once no round follows within the gap: long ago for these files.
    assert "stats.session_result" in [job.name for job in kernel.scheduler.jobs()]
    await kernel.scheduler.clock.advance(0)
    for path in files:
        map_name, number = path.stem[18:].rsplit("-round-", 1)
        posted = await fake_discord.wait_for_message(
            lambda m, title=f"{map_name} — round {number}": m.embed.get("title") == title, within=10)
        assert posted.channel_id == channel.id and posted.embed["footer"]["text"].startswith("match ")
        assert "DPM" in posted.embed["description"]  # the players' table
    session = await fake_discord.wait_for_message(lambda m: "Session" in m.embed.get("title", ""), within=10)
    assert session.channel_id == channel.id and session.embed["fields"][0]["name"] == "Top DPM"
    posted_before = len(fake_discord.sent_messages())

    for path in files:  # the same files again: duplicates, nothing new to announce
        [(_, outcome)] = await kernel.ingest(incoming(path))
        assert outcome.status == "duplicate"
    await anyio.sleep(0.3)
    assert len(fake_discord.sent_messages()) == posted_before == len(files) + 1
    assert fake_discord.sent_messages(fake_discord.general) == []

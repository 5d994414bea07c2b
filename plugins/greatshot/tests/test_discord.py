"""The greatshot commands on Discord (the loopback fake): the WebP preview attached to the embed."""

from __future__ import annotations

import pytest
from greatshot_helpers import until_idle, working

from slomix.kernel import IncomingFile

pytest.importorskip("slomix_discord")
pytestmark = pytest.mark.anyio


async def test_demo_and_highlights_answer_with_the_preview(discord_kernel, fake_discord, shared_data) -> None:
    kernel = await discord_kernel(plugins={"stats", "greatshot"},
                                  config={"plugins": {"greatshot": {"render_top": 2}}})
    demo = shared_data / "demos" / "scores_test.dm_84"
    await kernel.ingest(IncomingFile(name=demo.name, path=demo, source="import"))
    async with working(kernel):
        await until_idle(kernel)
    answer = await fake_discord.ask("!demo 1", within=30)
    assert answer.embed["title"] == "Demo 1: scores_test.dm_84"
    assert {f["name"]: f["value"] for f in answer.embed["fields"]}["kills"] == "9"
    [preview] = answer.attachments
    assert preview.filename == "highlight.webp" and preview.data[8:12] == b"WEBP"
    assert answer.embed["image"]["url"] == "attachment://highlight.webp"
    listed = await fake_discord.ask("!highlights nohope", within=30)
    assert listed.embed["title"] == "Highlights" and [a.filename for a in listed.attachments] == ["highlight.webp"]


async def test_demo_upload_takes_the_attached_demos_and_refuses_bad_ones(discord_kernel, fake_discord,
                                                                          shared_data) -> None:
    kernel = await discord_kernel(plugins={"stats", "greatshot"},
                                  config={"plugins": {"greatshot": {"render_top": 1}}})
    bare = await fake_discord.ask("!demo upload", within=20)
    assert bare.embed["title"] == "Usage" and "attach .dm_84 or .tv_84 demos" in bare.embed["description"]
    # A text file renamed .dm_84 and a good demo in one message: one bad file refuses both.
    demo = (shared_data / "demos" / "scores_test.dm_84").read_bytes()
    refused = await fake_discord.ask("!demo upload", attachments=[("notes.dm_84", b"just text\n" * 50),
                                                                   ("scores_test.dm_84", demo)], within=20)
    assert refused.embed["title"] == "Usage" and refused.embed["description"].startswith("notes.dm_84: ")
    assert await kernel.db.pool.fetchval("SELECT count(*) FROM greatshot.demos") == 0
    stored = await fake_discord.ask("!demo upload", attachments=[("scores_test.dm_84", demo)], within=30)
    assert stored.embed["title"] == "1 demo(s) received", stored.embed
    row = await kernel.db.pool.fetchrow("SELECT id, filename, source, uploader FROM greatshot.demos")
    assert (row["filename"], row["source"]) == ("scores_test.dm_84", "upload")
    assert row["uploader"].startswith("discord:")
    async with working(kernel):
        await until_idle(kernel)
    answer = await fake_discord.ask(f"!demo {row['id']}", within=30)
    assert {f["name"]: f["value"] for f in answer.embed["fields"]}["kills"] == "9"
    again = await fake_discord.ask("!demo upload", attachments=[("copy.dm_84", demo)], within=30)
    assert "already stored" in str(again.embed)  # the same bytes are the same demo
    assert await kernel.db.pool.fetchval("SELECT count(*) FROM greatshot.demos") == 1
    nonsense = await fake_discord.ask("!demo first", within=20)
    assert nonsense.embed["title"] == "Usage" and "'first' is not a demo number" in nonsense.embed["description"]

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

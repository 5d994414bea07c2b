"""The proximity commands on Discord (the loopback fake): embeds with PNG attachments."""

from __future__ import annotations

import pytest
from proximity_match import stats_file

pytest.importorskip("slomix_discord")
pytestmark = pytest.mark.anyio


async def test_heatmap_and_crossfire_answer_with_pictures(discord_kernel, fake_discord, played, shared_data) -> None:
    kernel = await discord_kernel(plugins={"stats", "proximity"})
    for file in (played.file, stats_file(shared_data, played.end_unix)):
        await kernel.ingest(file)
    await kernel.settle()
    # Three pictures drawn (matplotlib imported) on a machine shared with other test runs: time enough.
    answer = await fake_discord.ask("!heatmap supply", within=60)
    assert answer.embed["title"] == "Heatmaps: supply"
    assert [a.filename for a in answer.attachments] == [
        "heatmap-supply-kills.png", "heatmap-supply-deaths.png", "heatmap-supply-presence.png"]
    assert all(a.data[:8] == b"\x89PNG\r\n\x1a\n" and len(a.data) > 5000 for a in answer.attachments)
    slashed = await fake_discord.invoke_slash("crossfire", within=30)
    assert slashed.embed["title"] == "Crossfire: session 2025-10-15 03:30"
    assert [a.filename for a in slashed.attachments] == ["crossfire.png"]
    assert {f["name"]: f["value"] for f in slashed.embed["fields"]}["crossfires"] == "1"

"""The daily poll in Discord: posted at 10:00 with buttons; a press answers for the one who pressed."""

from __future__ import annotations

from datetime import datetime

import pytest

from .conftest import TZ

pytestmark = pytest.mark.anyio


async def test_pressing_the_polls_buttons_answers_and_only_the_presser_sees_it(rig):
    kernel = await rig.start(at=datetime(2026, 12, 2, 9, 59, tzinfo=TZ))
    await rig.advance(60)
    poll = await rig.posted("Who can play tonight? Wed 02 Dec, 21:00")
    assert [b["label"] for b in poll.buttons()] == ["I'm in", "Maybe", "Can't make it"]
    ann, bob = rig.people[:2]
    answer = await rig.fake.click_button(poll, poll.button("I'm in"), user=ann)
    assert answer.ephemeral and answer.embed["description"].startswith("Noted, ann: you're in for Wed 02 Dec.")
    await rig.fake.click_button(poll, poll.button("Maybe"), user=bob)
    rows = await kernel.db.pool.fetch("SELECT actor_id, name, answer FROM voice.availability ORDER BY name")
    assert [tuple(r) for r in rows] == [(f"discord:{ann.id}", "ann", "yes"), (f"discord:{bob.id}", "bob", "maybe")]
    # The prefix command sees the same answers, and who is in voice now.
    await rig.join(rig.lobby, ann)
    await rig.in_gaming(1)
    status = await rig.fake.ask("!poll_status", author=bob)
    fields = {f["name"]: f["value"] for f in status.embed["fields"]}
    assert fields == {"In (1)": "ann", "Maybe (1)": "bob", "Can't (0)": "—", "In voice now (1)": "ann"}
    assert [b["label"] for b in status.buttons()] == ["I'm in", "Maybe", "Can't make it"]

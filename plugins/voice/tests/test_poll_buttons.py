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


async def test_direct_messages_only_for_those_who_opted_in(rig):
    await rig.start(at=datetime(2026, 12, 2, 20, 0, tzinfo=TZ))
    fake, people = rig.fake, rig.people
    answer = await fake.ask("!poll_notify", author=people[6])
    assert answer.embed["title"] == "Direct messages off"  # opt-in: off until asked
    for person in (people[6], people[7]):
        answer = await fake.ask("!poll_notify on", author=person)
        assert answer.embed["title"] == "Direct messages on"
    await fake.ask("!avail maybe", author=people[6])  # gus: maybe, opted in
    await fake.ask("!avail no", author=people[7])  # hal: opted in, but can't play
    for person in people[:6]:
        await fake.ask("!avail yes", author=person)
    await rig.posted("Game on — Wed 02 Dec at 21:00")
    dm = await fake.wait_for_message(lambda m: m in fake.direct_messages(people[6]))
    assert dm.embed["title"] == "Game on — Wed 02 Dec at 21:00"
    await rig.advance(45 * 60)  # 20:45: the reminder, in the channel and to gus
    await rig.posted("Tonight at 21:00")
    await fake.wait_for_message(lambda m: len(fake.direct_messages(people[6])) == 2)
    assert [m.embed["title"] for m in fake.direct_messages(people[6])] == [
        "Game on — Wed 02 Dec at 21:00", "Tonight at 21:00"]
    assert all(fake.direct_messages(p) == [] for p in [*people[:6], people[7]])

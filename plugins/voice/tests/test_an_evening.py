"""A whole evening as the community sees it in #announcements, message by message.

The real rounds of 14 October 2025 (``shared_data/stats``) are played while eight people answer
the poll, gather in voice, split into teams and go home.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from slomix.kernel import IncomingFile

from .conftest import TZ

pytestmark = pytest.mark.anyio


def story(rig) -> list[tuple[str, ...]]:
    """What the channel shows: each post's title, text and fields (the presser-only answers left out)."""
    return [(m.embed.get("title", ""), m.embed.get("description", ""),
             *(f"{f['name']}: {f['value']}" for f in m.embed.get("fields", [])))
            for m in rig.fake.sent_messages(rig.fake.announcements) if not m.ephemeral]


async def test_an_evening_message_by_message(rig, shared_data):
    kernel = await rig.start(at=datetime(2025, 10, 14, 9, 59, tzinfo=TZ))
    fake, people = rig.fake, rig.people
    await rig.advance(60)  # 10:00
    poll = await rig.posted("Who can play tonight? Tue 14 Oct, 21:00")
    for person in people[:5]:
        await fake.click_button(poll, poll.button("I'm in"), user=person)
    await fake.click_button(poll, poll.button("Maybe"), user=people[6])
    await fake.click_button(poll, poll.button("Can't make it"), user=people[7])
    await rig.advance(3 * 3600)  # 13:00
    await fake.click_button(poll, poll.button("I'm in"), user=people[5])  # the sixth yes
    await rig.posted("Game on — Tue 14 Oct at 21:00")
    await rig.advance(7 * 3600 + 45 * 60)  # 20:45
    await rig.join(rig.lobby, *people[:2])  # the first two are early
    await rig.in_gaming(2)
    await rig.advance(15 * 60)  # 21:00
    await rig.join(rig.lobby, *people[2:7])  # gus made it after all
    await rig.in_gaming(7)
    await rig.advance(45)
    await rig.join(rig.team_a, *people[:3])
    await rig.join(rig.team_b, *people[3:6])
    await rig.seen(lambda p: len(p.humans([rig.team_b.id])) == 3)
    await rig.advance(30)
    await rig.posted("Teams: 3 vs 3")
    for path in sorted((shared_data / "stats").glob("2025-10-14-*.txt")):
        outcomes = await kernel.ingest(IncomingFile(name=path.name, path=path, source="test"))
        assert [o.status for _, o in outcomes] in (["imported"], ["updated"]), (path.name, outcomes)
    await rig.advance(3 * 3600)  # 00:02: the last round ended at 23:56
    for person in people[1:7]:
        await fake.leave_voice(person)
    await rig.in_gaming(1)
    await rig.advance(300)
    await rig.posted("The evening is over")
    messages = story(rig)
    for line in messages:
        print(" | ".join(line))
    assert messages == [
        ("Who can play tonight? Tue 14 Oct, 21:00",
         "Press a button, or type !avail yes / maybe / no. At 6 yes it's game on."),
        ("Game on — Tue 14 Oct at 21:00", "6 are in: ann, bob, cid, dan, eve, fay. Maybe: gus."),
        ("Tonight at 21:00", "It's on at 21:00: ann, bob, cid, dan, eve, fay. See you in voice!"),
        ("Tonight at 21:00", "Game time! 2 in voice; still to come: cid, dan, eve, fay."),
        ("The evening is on", "6 in voice: ann, bob, cid, dan, eve, fay. Have fun!"),
        ("Teams: 3 vs 3", "", "Team A (3): ann, bob, cid", "Team B (3): dan, eve, fay"),
        ("The evening is over", "3.0 h in voice, up to 7 people. Thanks for playing!",
         "Session: 2025-10-14 21:22–23:56 · 24 rounds · details: !session 2025-10-14"),
    ]

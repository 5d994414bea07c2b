"""!avail and !poll_status, "game on" at the threshold, and the daily poll and reminders at their times."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from slomix.kernel import Actor

from .conftest import PEOPLE, TZ

pytestmark = pytest.mark.anyio

MORNING = datetime(2026, 12, 2, 9, 0, tzinfo=TZ)


def actor(name: str) -> Actor:
    return Actor(id=f"discord:{PEOPLE.index(name) + 100}", name=name, adapter="discord")


async def ask(kernel, line: str, who: str = "ann"):
    return await kernel.commands.dispatch(kernel, line, actor(who), adapter="discord")


async def test_answers_for_today_tomorrow_and_a_date_and_the_status(rig):
    kernel = await rig.start(at=MORNING, discord=False)
    reply = await ask(kernel, "!avail today yes")
    assert reply.description.startswith("Noted, ann: you're in for Wed 02 Dec. 1 of 6 needed for 21:00")
    await ask(kernel, "!avail maybe", "bob")  # no day: today
    await ask(kernel, "!avail tomorrow no", "cid")
    await ask(kernel, "!avail 2026-12-02 no", "dan")
    await ask(kernel, "!avail today no", "ann")  # a change of mind replaces the answer
    await ask(kernel, "!avail today yes", "ann")
    status = await ask(kernel, "!poll_status")
    assert status.title == "Tonight Wed 02 Dec"
    assert [(f.name, f.value) for f in status.fields] == [
        ("In (1)", "ann"), ("Maybe (1)", "bob"), ("Can't (1)", "dan"), ("In voice now (0)", "—")]
    assert [a.command for a in status.actions] == ["avail 2026-12-02 yes", "avail 2026-12-02 maybe",
                                                   "avail 2026-12-02 no"]
    tomorrow = await ask(kernel, "!poll_status tomorrow")
    assert (tomorrow.title, tomorrow.fields[2].value) == ("Tomorrow Thu 03 Dec", "cid")


@pytest.mark.parametrize(("line", "message"), [
    ("!avail yesterday yes", "a day is today, tomorrow or YYYY-MM-DD, not 'yesterday'"),
    ("!avail 2026-12-01 yes", "2026-12-01 is past: answers can be given from today (2026-12-02) on"),
    ("!avail 2027-06-01 yes", "2027-06-01 is more than 90 days ahead"),
    ("!avail today perhaps", "answer yes, maybe or no, not 'perhaps'"),
    ("!avail 2026-13-01 yes", "a day is today, tomorrow or YYYY-MM-DD, not '2026-13-01'"),
])
async def test_bad_answers_are_told_what_is_wrong(rig, line, message):
    kernel = await rig.start(at=MORNING, discord=False)
    reply = await ask(kernel, line)
    assert (reply.error, reply.title, reply.description) == (True, "Usage", message)
    assert await kernel.db.pool.fetchval("SELECT count(*) FROM voice.availability") == 0


async def test_game_on_is_announced_once_at_six_yes(rig):
    kernel = await rig.start(at=MORNING, discord=False)
    for name in PEOPLE[:5]:
        await ask(kernel, "!avail yes", name)
    await ask(kernel, "!avail maybe", "gus")
    assert rig.recorder.titles("availability") == []
    reply = await ask(kernel, "!avail yes", "fay")
    assert "Game on at 21:00!" in reply.description
    await ask(kernel, "!avail yes", "hal")
    [game_on] = [a for a in rig.recorder.announcements if a.topic == "availability"]
    assert game_on.reply.title == "Game on — Wed 02 Dec at 21:00"
    assert game_on.reply.description == "6 are in: ann, bob, cid, dan, eve, fay. Maybe: gus."


async def test_the_poll_and_both_reminders_come_at_their_minutes(rig):
    kernel = await rig.start(at=MORNING, discord=False)
    await rig.advance(3599)  # 09:59:59
    assert rig.recorder.titles() == []
    await rig.advance(1)  # 10:00
    assert rig.recorder.titles() == ["Who can play tonight? Wed 02 Dec, 21:00"]
    poll = rig.recorder.announcements[0]
    assert [a.label for a in poll.reply.actions] == ["I'm in", "Maybe", "Can't make it"]
    await ask(kernel, "!avail yes", "ann")
    await ask(kernel, "!avail maybe", "bob")
    await rig.advance(10 * 3600 + 44 * 60)  # 20:44
    assert len(rig.recorder.titles()) == 1
    await rig.advance(60)  # 20:45
    await rig.advance(15 * 60)  # 21:00
    reminders = [a for a in rig.recorder.announcements if a.key.startswith("voice:reminder:")]
    assert [a.key for a in reminders] == ["voice:reminder:2026-12-02:20:45", "voice:reminder:2026-12-02:21:00"]
    assert reminders[0].reply.description == "1 in (ann), 1 maybe (bob): 5 more needed. Maybes, can you make it?"
    await rig.advance(24 * 3600)  # the next day: a new poll, new reminders
    assert rig.recorder.titles().count("Who can play tonight? Thu 03 Dec, 21:00") == 1
    assert len([a for a in rig.recorder.announcements if a.key.startswith("voice:reminder:2026-12-03")]) == 2


async def test_a_restart_neither_repeats_the_poll_nor_misses_a_reminder(rig):
    await rig.start(at=MORNING, discord=False)
    await rig.advance(3600)  # 10:00: posted
    await rig.stop()
    await rig.start(at=MORNING + timedelta(hours=11, minutes=50), discord=False)  # 20:50, down at 20:45
    titles = rig.recorder.titles()
    assert titles.count("Who can play tonight? Wed 02 Dec, 21:00") == 1
    assert [a.key for a in rig.recorder.announcements if a.key.startswith("voice:reminder:")] == [
        "voice:reminder:2026-12-02:20:45"]  # the missed one, at once
    await rig.advance(600)  # 21:00
    assert [a.key for a in rig.recorder.announcements if a.key.startswith("voice:reminder:")] == [
        "voice:reminder:2026-12-02:20:45", "voice:reminder:2026-12-02:21:00"]

"""Evenings from voice, through the loopback Discord: thresholds, delays, toggles, log-in, restarts."""

from __future__ import annotations

from datetime import timedelta

import pytest

pytestmark = pytest.mark.anyio


async def test_the_evening_opens_at_six_in_the_gaming_channels_not_at_five(rig):
    kernel = await rig.start()
    first, sixth = rig.people[:5], rig.people[5]
    await rig.join(rig.lobby, *first)
    await rig.join(rig.afk, rig.people[6])  # AFK is not a gaming channel
    await rig.seen(lambda p: len(p.humans()) == 6)
    assert await rig.evenings() == []
    await rig.join(rig.team_a, sixth)
    await rig.in_gaming(6)
    [evening] = await rig.evenings()
    assert (evening["peak"], evening["closed_at"], evening["opened_at"]) == (6, None, rig.clock.now())
    posted = await rig.posted("The evening is on")
    assert posted.embed["description"] == "6 in voice: ann, bob, cid, dan, eve, fay. Have fun!"
    assert rig.recorder.activity[-1] == (True, "6 people in voice")
    assert (await kernel.health())["status"] == "ok"


async def open_evening(rig, count: int = 6) -> None:
    await rig.join(rig.lobby, *rig.people[:count])
    await rig.in_gaming(count)
    assert len(await rig.evenings()) == 1


async def leave(rig, *people) -> None:
    for person in people:
        await rig.fake.leave_voice(person)


async def test_it_closes_once_fewer_than_two_stay_for_five_minutes(rig):
    await rig.start()
    await open_evening(rig)
    await rig.advance(3 * 3600)  # three hours of play
    await leave(rig, *rig.people[1:6])
    await rig.in_gaming(1)
    dropped = rig.clock.now()
    await rig.advance(299)
    [evening] = await rig.evenings()
    assert evening["closed_at"] is None and evening["below_since"] == dropped
    await rig.advance(1)
    [evening] = await rig.evenings()
    assert evening["closed_at"] == dropped  # the evening ended when they left
    posted = await rig.posted("The evening is over")
    assert posted.embed["description"] == "3.0 h in voice, up to 6 people. Thanks for playing!"
    assert rig.recorder.activity[-1] == (False, "the evening is over")


async def test_mute_toggles_and_moves_elsewhere_do_not_restart_the_close_timer(rig):
    await rig.start()
    await open_evening(rig)
    ann = rig.people[0]
    await leave(rig, *rig.people[1:6])
    await rig.in_gaming(1)
    await rig.advance(120)
    for flags in ({"self_mute": True}, {"self_deaf": True}, {"self_stream": True}, {"self_mute": False}):
        await rig.fake.toggle_voice(ann, **flags)
    await rig.join(rig.afk, rig.people[7])  # a presence event with the gaming count unchanged
    await rig.seen(lambda p: [m.name for m in p.humans([rig.afk.id])] == ["hal"])
    await rig.advance(180)  # 300 s after the drop, whatever happened meanwhile
    [evening] = await rig.evenings()
    assert evening["closed_at"] is not None
    await rig.posted("The evening is over")


async def test_coming_back_in_time_keeps_the_evening_open(rig):
    await rig.start()
    await open_evening(rig)
    await leave(rig, *rig.people[1:6])
    await rig.in_gaming(1)
    await rig.advance(240)
    await rig.join(rig.lobby, rig.people[1])  # two again: the timer stops
    await rig.in_gaming(2)
    await rig.advance(600)
    [evening] = await rig.evenings()
    assert (evening["closed_at"], evening["below_since"]) == (None, None)
    await rig.fake.leave_voice(rig.people[1])
    await rig.in_gaming(1)
    await rig.advance(300)  # a new drop gets its full five minutes
    assert (await rig.evenings())[0]["closed_at"] is not None


async def test_people_already_in_voice_at_log_in_open_the_evening(rig):
    await rig.join(rig.lobby, *rig.people[:4])  # before Slomix runs: GUILD_CREATE voice_states
    await rig.join(rig.team_b, *rig.people[4:7])
    await rig.start()
    presence = await rig.in_gaming(7)
    assert presence.reason == "login"
    assert [m.name for m in presence.humans([rig.team_b.id])] == ["eve", "fay", "gus"]
    [evening] = await rig.evenings()
    assert evening["peak"] == 7
    await rig.posted("The evening is on")


async def test_a_restart_mid_evening_goes_on_where_it_was(rig):
    await rig.start()
    await open_evening(rig, 8)
    [evening] = await rig.evenings()
    await rig.advance(7200)
    await rig.stop()  # Slomix goes down mid-evening; people play on
    await rig.start(at=evening["opened_at"] + timedelta(hours=2, minutes=10))
    await rig.in_gaming(8)
    assert await rig.evenings() == [evening]  # the same evening, still open
    assert rig.recorder.titles("evening") == ["The evening is on"]  # not announced again
    assert rig.recorder.activity[-1] == (True, "an evening is open")  # the pollers stay fast
    # Now they leave, Slomix restarts during the five minutes, and still closes on time.
    await leave(rig, *rig.people[1:8])
    await rig.in_gaming(1)
    dropped = rig.clock.now()
    await rig.advance(100)
    await rig.stop()
    await rig.start(at=dropped + timedelta(seconds=160))
    await rig.in_gaming(1)
    assert (await rig.evenings())[0]["below_since"] == dropped  # the log-in did not restart the timer
    await rig.advance(139)  # 299 s after the drop
    assert (await rig.evenings())[0]["closed_at"] is None
    await rig.advance(1)
    assert (await rig.evenings())[0]["closed_at"] == dropped
    assert rig.recorder.titles("evening") == ["The evening is on", "The evening is over"]


async def test_down_through_the_close_it_closes_at_start_up(rig):
    await rig.start()
    await open_evening(rig)
    await leave(rig, *rig.people[:6])
    await rig.in_gaming(0)
    dropped = rig.clock.now()
    await rig.stop()
    await rig.start(at=dropped + timedelta(hours=1))  # the timer's moment passed while down
    await rig.in_gaming(0)  # the log-in's picture: still nobody
    await rig.advance(0)
    [evening] = await rig.evenings()
    assert evening["closed_at"] == dropped
    await rig.posted("The evening is over")


async def test_bots_in_voice_are_not_people(rig):
    from slomix.testing.fake_discord import FakeUser

    music = rig.fake.users["musicbot"] = FakeUser(rig.fake._id(), "musicbot", bot=True)
    await rig.start()
    await rig.join(rig.lobby, music, *rig.people[:5])
    presence = await rig.seen(lambda p: len(p.channels[0].members) == 6)
    assert [m.name for m in presence.humans()] == ["ann", "bob", "cid", "dan", "eve"]
    assert await rig.evenings() == []  # five people and a bot are not six people


async def test_people_who_came_back_while_slomix_was_down_keep_the_evening_open(rig):
    await rig.start()
    await open_evening(rig)
    await leave(rig, *rig.people[1:6])
    await rig.in_gaming(1)
    dropped = rig.clock.now()
    await rig.stop()
    await rig.join(rig.lobby, *rig.people[1:4])  # back while Slomix is down: the log-in shows them
    await rig.start(at=dropped + timedelta(minutes=10))
    await rig.in_gaming(4)
    await rig.advance(600)
    [evening] = await rig.evenings()
    assert (evening["closed_at"], evening["below_since"]) == (None, None)
    assert rig.recorder.titles("evening") == ["The evening is on"]


async def test_an_overdue_close_waits_for_the_log_in_but_not_for_ever(rig):
    await rig.start()
    await open_evening(rig)
    await leave(rig, *rig.people[:6])
    await rig.in_gaming(0)
    dropped = rig.clock.now()
    await rig.stop()
    await rig.start(at=dropped + timedelta(hours=1), discord=False)  # Discord is not (yet) connected
    await rig.advance(119)
    assert (await rig.evenings())[0]["closed_at"] is None  # who is in voice now is not known yet
    await rig.advance(1)  # two minutes without a picture: the stored state decides
    assert (await rig.evenings())[0]["closed_at"] == dropped

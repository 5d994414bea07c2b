"""Teams from the team channels (the on_teams hook) and the balance offer in the lobby."""

from __future__ import annotations

from datetime import timedelta

import pytest

from slomix.kernel import Arg, Command, Context, Reply, hookimpl
from slomix_voice import api as voice_api
from slomix_voice.api import TeamsEvent

pytestmark = pytest.mark.anyio


async def test_hook_on_teams(rig):
    """Its producer: the voice plugin, once both team channels are filled and still for 30 s."""
    await rig.start()
    a, b = rig.people[:3], rig.people[3:6]
    await rig.join(rig.team_a, *a)
    await rig.join(rig.team_b, b[0])
    await rig.seen(lambda p: len(p.humans([rig.team_b.id])) == 1)
    await rig.advance(60)  # 3 vs 1 is not a match
    assert rig.recorder.teams == []
    await rig.join(rig.team_b, b[1])
    await rig.seen(lambda p: len(p.humans([rig.team_b.id])) == 2)
    await rig.advance(10)
    await rig.join(rig.team_b, b[2])  # the last one moves over: the wait starts again
    await rig.seen(lambda p: len(p.humans([rig.team_b.id])) == 3)
    await rig.advance(29)
    assert rig.recorder.teams == []
    await rig.advance(1)
    [event] = rig.recorder.teams
    assert isinstance(event, TeamsEvent)
    assert event.channels == ["Team A", "Team B"]
    assert [[p.name for p in team] for team in event.teams] == [["ann", "bob", "cid"], ["dan", "eve", "fay"]]
    assert event.teams[0][0].actor_id == f"discord:{rig.people[0].id}"
    assert event.teams[0][0].guid is None  # nobody linked a game GUID
    posted = await rig.posted("Teams: 3 vs 3")
    assert [(f["name"], f["value"]) for f in posted.embed["fields"]] == [
        ("Team A (3)", "ann, bob, cid"), ("Team B (3)", "dan, eve, fay")]
    await rig.advance(600)  # nothing changed: announced once
    await rig.stop()
    await rig.start(at=event.at + timedelta(minutes=20))  # a restart: the same teams are not news
    await rig.seen(lambda p: p.reason == "login")
    await rig.advance(60)
    assert len(rig.recorder.teams) == 1
    await rig.fake.join_voice(rig.people[2], rig.team_b)  # cid changes sides: new teams
    await rig.seen(lambda p: len(p.humans([rig.team_b.id])) == 4)
    await rig.advance(30)
    assert [[p.name for p in team] for team in rig.recorder.teams[-1].teams] == [["ann", "bob"],
                                                                                ["cid", "dan", "eve", "fay"]]


async def test_hook_on_activity(rig):
    """Its producer: the voice plugin at start-up (no evening) and when an evening opens and closes."""
    await rig.start()
    assert rig.recorder.activity == [(False, "no evening open")]
    await rig.join(rig.lobby, *rig.people[:6])
    await rig.in_gaming(6)
    for person in rig.people[:6]:
        await rig.fake.leave_voice(person)
    await rig.in_gaming(0)
    await rig.advance(300)
    assert rig.recorder.activity == [(False, "no evening open"), (True, "6 people in voice"),
                                     (False, "the evening is over")]


async def test_four_in_the_lobby_are_offered_a_split_without_pointing_at_a_missing_command(rig):
    await rig.start()
    await rig.join(rig.lobby, *rig.people[:4])
    await rig.in_gaming(4)
    await rig.advance(30)
    posted = await rig.posted("4 in the lobby — time to make teams")
    assert posted.embed["description"] == (
        "ann, bob, cid, dan. Pick two captains, or split into the team channels: "
        "a rating-balanced split (!balance) is not installed here yet.")
    assert rig.kernel.commands.get("balance") is None
    # 5, then 4 again: not the same offer twice in a row; 6 is a new one.
    await rig.join(rig.lobby, rig.people[4])
    await rig.in_gaming(5)
    await rig.advance(30)
    await rig.fake.leave_voice(rig.people[4])
    await rig.in_gaming(4)
    await rig.advance(30)
    await rig.join(rig.lobby, *rig.people[4:6])
    await rig.in_gaming(6)
    await rig.advance(30)
    assert rig.recorder.titles("teams") == ["4 in the lobby — time to make teams",
                                            "6 in the lobby — time to make teams"]


class Ratings:
    """Stands in for the ratings plugin's !balance (its names, what it was asked), and reads who is in
    voice through the voice plugin's api as it may."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, list[str]]] = []

    @hookimpl
    def on_command(self, kernel):
        async def balance(ctx: Context) -> Reply:
            here = [m.name for m in await voice_api.in_voice(ctx.kernel)]
            self.asked.append((ctx.args["players"], here))
            return Reply(title="Balanced teams")

        return [Command("balance", balance, "split", args=(Arg("players", rest=True),))]


async def test_with_a_balance_command_the_offer_is_a_button_that_runs_it(rig):
    ratings = Ratings()
    await rig.start(extra={"ratings": ratings})
    await rig.join(rig.lobby, *rig.people[:4])
    await rig.in_gaming(4)
    await rig.advance(30)
    offer = await rig.posted("4 in the lobby — time to make teams")
    assert offer.embed["description"] == "ann, bob, cid, dan. Press Balance for the most even 2 vs 2 split by rating."
    answer = await rig.fake.click_button(offer, offer.button("Balance"), user=rig.people[4])
    assert answer.embed["title"] == "Balanced teams" and answer.ephemeral
    assert ratings.asked == [("ann bob cid dan", ["ann", "bob", "cid", "dan"])]

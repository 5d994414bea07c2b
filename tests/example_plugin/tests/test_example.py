"""The example plugin, installed (``pip install -e .``), in a kernel with the stats plugin and HTTP."""

from datetime import datetime

import pytest

from slomix.testing import CLI_ACTOR
from slomix_stats.api import RoundEvent

pytestmark = pytest.mark.anyio


def round_event(map_name: str, number: int) -> RoundEvent:
    played = datetime(2025, 10, 14, 21, 22, 14)
    return RoundEvent(round_id=1, change="new", match_id="m1", map_name=map_name, round_number=number,
                      round_time=played, session_start=played, status="completed", is_valid=True, defender_team=1,
                      winner_team=2, outcome="objective", time_limit_seconds=600, next_time_limit_seconds=None,
                      duration_seconds=300, duration_source="header", end_reason=None, surrender_team=None,
                      players=[])


async def test_command_route_and_round_reaction(make_kernel, http_client):
    kernel = await make_kernel(plugins={"stats", "http", "example"},
                               config={"plugins": {"example": {"greeting": "Salut"}}})
    assert kernel.plugin("example").status == "active"
    reply = await kernel.commands.dispatch(kernel, "!example_hello world", CLI_ACTOR)
    assert reply.title == "Salut, world!"

    kernel.emit("on_round", event=round_event("supply", 1))
    await kernel.settle()
    client = await http_client(kernel)
    response = await client.get("/api/example/seen")
    assert response.json() == {"rounds": ["supply R1"]}

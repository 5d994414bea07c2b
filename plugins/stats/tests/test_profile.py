"""A player's profile (issue 14): ranks, wins by map, form by session, teammates, versus rows."""

from __future__ import annotations

import pytest

from slomix_stats.queries import StatsQueries

pytestmark = pytest.mark.anyio

VID = "D8423F90"


async def test_explore(history) -> None:
    q = StatsQueries(history.db.pool)
    p = await q.player(VID)
    print(p.ranks)
    print(p.wins, p.losses, p.sessions_played)
    print(p.maps)
    print(p.sessions)
    print(p.teammates)
    print(p.versus_note)
    assert 0

"""A session is its matches: when the opponents change, a new match begins and is scored on
its own (issue 14.7). Real files: 2025-10-12's 3v3 and 2025-10-17's 2v2 (no player in common),
the second evening moved to start 18 minutes after the first ended, so they form one session."""

from __future__ import annotations

from datetime import datetime

import pytest

from slomix_stats.api import RoundEvent
from slomix_stopwatch.teams import split_matches

pytestmark = pytest.mark.anyio


def moved(paths, start: datetime) -> list[tuple[str, bytes]]:
    """The files renamed so that the first begins at ``start`` (the others keep their spacing)."""
    first = datetime.strptime(paths[0].name[:17], "%Y-%m-%d-%H%M%S")
    out = []
    for path in paths:
        when = datetime.strptime(path.name[:17], "%Y-%m-%d-%H%M%S") - first + start
        out.append((f"{when:%Y-%m-%d-%H%M%S}{path.name[17:]}", path.read_bytes()))
    return out


def summary(score) -> tuple:
    return (score.format, score.score, [(m.map_name, m.points_a, m.points_b, m.description) for m in score.maps])


async def test_two_lineups_in_one_session_are_two_matches(make_kernel, stats_dir, feed, ask) -> None:
    evening = sorted(stats_dir.glob("2025-10-12-*.txt"))
    other = sorted(stats_dir.glob("2025-10-17-2[01]*.txt"))
    apart = []
    for files in (evening, moved(other, datetime(2025, 10, 12, 23, 10))):
        kernel = await make_kernel(plugins={"stats", "stopwatch"})
        await feed(kernel, files)
        apart.append(((await ask(kernel, "!session_score")).data, (await ask(kernel, "!teams")).data))
    assert [s.matches for s, _ in apart] == [1, 1] and apart[0][0].format == "3v3"
    everyone = {g for _, view in apart for t in view.teams for g in t.guids}
    kernel = await make_kernel(plugins={"stats", "stopwatch"})
    await feed(kernel, [*evening, *moved(other, datetime(2025, 10, 12, 23, 10))])
    session = (await ask(kernel, "!session 2025-10-12")).data
    assert session.summary.counted_rounds == 10 and session.summary.players == len(everyone) == 13  # one session
    reply = await ask(kernel, "!session_score 2025-10-12")
    first, second = reply.data, reply.pages[0].data
    assert (first.match, first.matches, second.match, second.matches) == (1, 2, 2, 2)
    # Each match scores exactly as its evening did alone: not one "5v5" mixing both lineups.
    assert summary(first) == summary(apart[0][0]) and summary(second) == summary(apart[1][0])
    assert second.match_start == datetime(2025, 10, 12, 23, 10)
    assert reply.pages[0].description.startswith("Match 2 of 2 (23:10), session 2025-10-12 21:18 → ")
    teams = await ask(kernel, "!teams 2025-10-12")
    for view, (_, alone) in zip([teams.data, teams.pages[0].data], apart, strict=True):
        assert [t.guids for t in view.teams] == [t.guids for t in alone.teams]
    assert teams.pages[0].title.startswith("Teams — match 2 of 2 (23:10)")


def event(number: int, axis: str, allies: str, minute: int) -> RoundEvent:
    from slomix_stats.api import PlayerLine

    players = [PlayerLine(g, g, side, 0, 0, 0, 0, 600, 0.0) for side, names in ((1, axis), (2, allies))
               for g in names.split()]
    return RoundEvent(round_id=minute, change="stored", match_id=f"m{minute}", map_name="supply", round_number=number,
                      round_time=datetime(2025, 1, 1, 20, minute), session_start=datetime(2025, 1, 1, 20, 0),
                      status="completed", is_valid=True, defender_team=1, winner_team=1, outcome="fullhold",
                      time_limit_seconds=600, next_time_limit_seconds=None, duration_seconds=600,
                      duration_source="header", end_reason=None, surrender_team=None, players=players)


def test_a_substitution_keeps_the_match_new_opponents_start_one() -> None:
    rounds = [event(1, "a b c d", "e f g h", 0), event(2, "e f g h", "a b c d", 10),
              event(1, "a b c x", "e f g h", 20),   # one sub: the same match
              event(2, "e f g h", "a b c x", 30),
              event(1, "a b c d", "p q r s", 40),   # new opponents: a new match
              event(2, "p q r s", "a b c d", 50)]
    assert [len(m) for m in split_matches(rounds)] == [4, 2]
    half = [event(1, "a b c d", "e f g h", 0), event(1, "a b y z", "e f g h", 20)]  # half kept is still a sub
    assert [len(m) for m in split_matches(half)] == [2]
    most = [event(1, "a b c d", "e f g h", 0), event(1, "a x y z", "e f g h", 20)]  # three of four replaced
    assert [len(m) for m in split_matches(most)] == [1, 1]

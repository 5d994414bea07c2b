"""Every real session: the plugin's per-map points and session scores equal what the files'
headers imply, computed here independently of both plugins (spec §4.7)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest

pytestmark = pytest.mark.anyio

SESSION_GAP = timedelta(minutes=60)
MATCH_WINDOW = timedelta(minutes=45)
RESTART_WINDOW = timedelta(minutes=30)


@dataclass
class File:
    """A stats file read the plain way: header fields and each player's GUID and side."""

    name: str
    time: datetime
    map: str
    round: int
    defender: int
    winner: int
    seconds: int
    sides: dict[int, set[str]]
    bots: bool


def _clock(text: str) -> int:
    minutes, _, seconds = text.partition(":")
    return int(minutes) * 60 + int(seconds or 0)


def read(path: Path) -> File:
    lines = path.read_bytes().decode("latin-1").splitlines()
    head = lines[0].split("\\")
    limit, target = _clock(head[6]), _clock(head[7])
    seconds = target
    if len(head) > 8 and float(head[8]) > 0:  # f9: measured playtime (ms above 10 000)
        seconds = int(float(head[8]) / 1000) if float(head[8]) > 10_000 else int(float(head[8]))
    seconds = min(seconds, limit) if limit > 0 else seconds
    sides: dict[int, set[str]] = {1: set(), 2: set()}
    bots = False
    for line in lines[1:]:
        parts = line.split("\\")
        if len(parts) < 5:
            continue
        bots |= parts[0].startswith("OMNIBOT") or parts[1].startswith("[BOT]")
        if parts[3] in ("1", "2"):
            sides[int(parts[3])].add(parts[0])
    stamp, _, rest = path.name[:17], None, path.name[18:]
    map_name, _, number = rest.removesuffix(".txt").rpartition("-round-")
    return File(path.name, datetime.strptime(stamp, "%Y-%m-%d-%H%M%S"), map_name, int(number), int(head[4]),
                int(head[5]), seconds, sides, bots)


def sessions_of(files: list[File]) -> list[list[File]]:
    found: list[list[File]] = []
    for f in sorted(files, key=lambda f: f.time):
        if not found or f.time - found[-1][-1].time > SESSION_GAP:
            found.append([])
        found[-1].append(f)
    return found


def maps_of(session: list[File]) -> list[tuple[File, File]]:
    """R1/R2 pairs: an R2 takes the latest R1 of its map at most 45 minutes before it; of two R2s
    claiming one R1, the later one is the match's (the earlier was restarted)."""
    claims: dict[str, File] = {}
    r1s = [f for f in session if f.round == 1]
    for r2 in (f for f in session if f.round == 2):
        before = [r1 for r1 in r1s if r1.map == r2.map and r1.time < r2.time <= r1.time + MATCH_WINDOW]
        if before:
            claims[before[-1].name] = r2
    return [(r1, claims[r1.name]) for r1 in r1s if r1.name in claims]


def expected_result(session: list[File]) -> tuple[list[tuple[str, str, int, int]], int, int]:
    """(map, R1 stamp, points A, points B) per finished map, and the totals. Team A is the Axis
    side of the session's first R1; a map's R1 attackers are the team most of them belong to."""
    first = next(f for f in session if f.round == 1)
    team_a, team_b = first.sides[1], first.sides[2]
    rows = []
    for r1, r2 in maps_of(session):
        if r1.bots or r2.bots or r1.map == "mp_sillyctf":
            continue
        done1, done2 = r1.winner != r1.defender, r2.winner != r2.defender
        if done1 and done2:
            p1, p2 = (0, 2) if r2.seconds < r1.seconds else (2, 0)
        elif done1 or done2:
            p1, p2 = (2, 0) if done1 else (0, 2)
        else:
            p1, p2 = 1, 1
        attackers = r1.sides[3 - r1.defender]
        first_is_a = len(attackers & team_a) > len(attackers & team_b)
        rows.append((r1.map, r1.name[:17], *((p1, p2) if first_is_a else (p2, p1))))
    return rows, sum(r[2] for r in rows), sum(r[3] for r in rows)


async def test_every_real_session_scores_as_its_headers_say(make_kernel, stats_dir, feed, ask) -> None:
    paths = sorted(stats_dir.glob("*.txt"))
    kernel = await make_kernel(plugins={"stats", "stopwatch"})
    await feed(kernel, paths)
    sessions = [s for s in sessions_of([read(p) for p in paths]) if maps_of(s)]
    by_day = defaultdict(list)
    for s in sessions:
        by_day[s[0].time.date()].append(s)
    checked = {}
    for session in sessions:
        start = session[0].time
        # A date stands for its latest session; an earlier one that day is asked for by its start.
        latest = by_day[start.date()][-1] is session
        selector = start.strftime("%Y-%m-%d" if latest else "%Y-%m-%d-%H%M%S")
        reply = await ask(kernel, f"!session_score {selector}")
        assert not reply.error, (selector, reply.description)
        score = reply.data
        assert score.session_start == start
        rows, total_a, total_b = expected_result(session)
        got = [(m.map_name, m.match_id, m.points_a, m.points_b) for m in score.maps if m.finished]
        assert got == rows, selector
        assert (score.team_a.points, score.team_b.points) == (total_a, total_b)
        assert score.score == f"{total_a}\u2013{total_b}"
        assert reply.title == f"{score.team_a.name} {total_a}\u2013{total_b} {score.team_b.name}"
        table = reply.tables[0]
        assert [row[4:6] for row in table.rows if row[4] != "-"] == [[r[2], r[3]] for r in rows]
        checked[selector] = score.score
    # The real sessions, as their headers imply (recorded here to show what was verified).
    assert checked == {
        "2025-10-12": "3\u20131", "2025-10-14": "0\u201324", "2025-10-15": "8\u20136",
        "2025-10-17-202140": "2\u20132", "2025-10-17": "2\u20132", "2025-10-19": "16\u20138",
        "2025-10-20": "8\u201310", "2025-10-21": "7\u20139", "2025-10-22": "14\u20132", "2025-10-23": "12\u20136",
    }


async def test_a_date_names_the_same_session_in_both_plugins(make_kernel, stats_dir, feed, ask) -> None:
    """One rule for which session a date means (``slomix_stats.api.session_for_date``), so that
    ``!session D`` and ``!session_score D`` never disagree, for every date of the real history."""
    paths = sorted(stats_dir.glob("*.txt"))
    kernel = await make_kernel(plugins={"stats", "stopwatch"})
    await feed(kernel, paths)
    days = sorted({p.name[:10] for p in paths})
    scored = 0
    nothing = 0
    for day in days:
        session = await ask(kernel, f"!session {day}")
        score = await ask(kernel, f"!session_score {day}")
        if session.error:  # a day of lone orphan R2s or empty files has no session (issue 14.11): neither says one
            assert (session.description, score.description) == (f"no session on {day}",
                                                                 f"no gaming session on {day}"), day
            nothing += 1
            continue
        start = session.data.summary.start
        if score.error:  # a session the stopwatch cannot score (no teams): its answer still names it
            assert f"session {start:%Y-%m-%d %H:%M} has no" in score.description, (day, score.description)
            continue
        assert score.data.session_start == start, day
        scored += 1
    assert scored == 19 and nothing == 9 and len(days) > scored + nothing

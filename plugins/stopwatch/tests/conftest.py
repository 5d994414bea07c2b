"""Fixtures for the stopwatch's tests: real stats files fed through the real stats plugin."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import msgspec
import pytest

from slomix.kernel import IncomingFile
from slomix.testing import CLI_ACTOR


@pytest.fixture(scope="session")
def stats_dir(shared_data: Path) -> Path:
    return shared_data / "stats"


@pytest.fixture
def feed():
    """``await feed(kernel, files)``: ingest paths or (name, bytes) pairs, one by one as a game server
    sends them, and wait until the stopwatch has heard of every round; asserts nothing failed."""

    async def run(kernel, files) -> list:
        outcomes = []
        for item in files:
            name, data = (item.name, item.read_bytes()) if isinstance(item, Path) else item
            outcomes += await kernel.ingest(IncomingFile(name=name, data=data, source="test"))
        await kernel.settle()
        assert kernel.errors == {}, kernel.errors
        return outcomes

    return run


@pytest.fixture
def ask():
    """``await ask(kernel, "!session_score 2025-10-14")``: the Reply, as the CLI operator (root)."""

    async def run(kernel, line: str, actor=CLI_ACTOR):
        return await kernel.commands.dispatch(kernel, line, actor)

    return run


HEADER_FIELDS = {"defender": 4, "winner": 5, "limit": 6, "target": 7}


@pytest.fixture
def edited(stats_dir: Path):
    """``edited(name, winner=1, target="10:00", guids={old: new}, drop={guid}, rename=new_name)``:
    a real stats file with header fields changed, GUIDs replaced or player lines dropped."""

    def make(name: str, *, guids: dict[str, str] | None = None, drop: set[str] = frozenset(),
             rename: str | None = None, **header: str | int) -> tuple[str, bytes]:
        lines = (stats_dir / name).read_bytes().split(b"\n")
        fields = lines[0].split(b"\\")
        for key, value in header.items():
            fields[HEADER_FIELDS[key]] = str(value).encode()
        players = [line for line in lines[1:] if line.split(b"\\", 1)[0].decode() not in drop]
        for old, new in (guids or {}).items():
            players = [line.replace(old.encode() + b"\\", new.encode() + b"\\", 1) for line in players]
        return rename or name, b"\n".join([b"\\".join(fields), *players])

    return make


@pytest.fixture
def webhook():
    """``webhook(file_name, **fields)``: the round-end webhook payload of the round a stats file
    records (the file is written about 3 s after the round ends, server time Europe/Paris)."""

    def make(stats_name: str, **fields) -> tuple[str, bytes]:
        ended = datetime.strptime(stats_name[:17], "%Y-%m-%d-%H%M%S") - timedelta(seconds=3)
        unix = int(ended.replace(tzinfo=ZoneInfo("Europe/Paris")).timestamp())
        map_name, _, number = stats_name[18:].removesuffix(".txt").rpartition("-round-")
        body = {"map": map_name, "round": int(number), "round_end_unix": unix, **fields}
        return f"round-end-{map_name}-R{number}-{unix}.json", msgspec.json.encode(body)

    return make


@pytest.fixture
def stopwatch_dump():
    """``await stopwatch_dump(pool)``: everything the stopwatch stored, comparable across databases."""

    async def dump(pool) -> dict[str, list[tuple]]:
        queries = {
            "teams": "SELECT session_start, team, name, name_source, guids, players FROM stopwatch.session_teams",
            "results": "SELECT session_start, session_end, team_a, team_b, score_a, score_b, winner, format, maps"
                       " FROM stopwatch.session_results",
            # Round ids depend on arrival order; the match id names the map.
            "maps": "SELECT session_start, seq, match_id, map_name, finished, r2_round_id IS NULL, team1,"
                    " r1_success, r2_success, r1_seconds, r2_seconds, points_a, points_b, description"
                    " FROM stopwatch.map_results",
            "pins": "SELECT session_start, guid, team FROM stopwatch.player_pins",
        }
        return {key: sorted(tuple(r) for r in await pool.fetch(sql)) for key, sql in queries.items()}

    return dump

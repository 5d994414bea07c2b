"""Fixtures for the stats plugin's tests: real files and a content dump of the history."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from slomix.kernel import IncomingFile

# Everything that defines the history, by natural keys (no serial ids, no wall-clock stamps).
DUMP_QUERIES = {
    "files": "SELECT name, kind, sha256, status, reason FROM stats.files ORDER BY name, sha256",
    "rounds": """SELECT f.name, r.match_id, r.round_number, r.map_name, r.round_time, r.session_start,
                        r.status, r.is_valid, r.invalid_reason, r.outcome, r.duration_seconds,
                        r.duration_source, r1f.name AS r1_file
                 FROM stats.rounds r JOIN stats.files f ON f.id = r.file_id
                 LEFT JOIN stats.rounds r1 ON r1.id = r.r1_round_id
                 LEFT JOIN stats.files r1f ON r1f.id = r1.file_id ORDER BY f.name""",
    "players": """SELECT f.name, p.* FROM stats.player_rounds p JOIN stats.rounds r ON r.id = p.round_id
                  JOIN stats.files f ON f.id = r.file_id ORDER BY f.name, p.guid""",
    "weapons": """SELECT f.name, w.guid, w.weapon, w.hits, w.shots, w.kills, w.deaths, w.headshots
                  FROM stats.weapon_rounds w JOIN stats.rounds r ON r.id = w.round_id
                  JOIN stats.files f ON f.id = r.file_id ORDER BY 1, 2, 3""",
    "aliases": "SELECT guid, alias, first_seen, last_seen FROM stats.aliases ORDER BY 1, 2",
    "awards": """SELECT f.name, a.ordinal, a.award, a.player_name, a.guid, a.value_text FROM stats.awards a
                 JOIN stats.rounds r ON r.id = a.round_id JOIN stats.files f ON f.id = r.file_id
                 ORDER BY 1, 2""",
    "meta": """SELECT m.map_name, m.round_number, m.round_end_unix, f.name FROM stats.round_meta m
               LEFT JOIN stats.rounds r ON r.id = m.round_id LEFT JOIN stats.files f ON f.id = r.file_id
               ORDER BY 1, 2, 3""",
}


async def dump_history(pool: Any) -> dict[str, list[tuple]]:
    result = {}
    for table, query in DUMP_QUERIES.items():
        rows = await pool.fetch(query)
        result[table] = [tuple(v for k, v in row.items() if k != "round_id") for row in rows]
    return result


@pytest.fixture
def history_dump():
    """``await history_dump(kernel.db.pool)``: the history as comparable data."""
    return dump_history


@pytest.fixture(scope="session")
def stats_files(shared_data: Path) -> list[Path]:
    files = sorted((shared_data / "stats").glob("*.txt"))
    assert len(files) == 166
    return files


def incoming(path: Path, source: str = "test") -> IncomingFile:
    return IncomingFile(name=path.name, data=path.read_bytes(), source=source, path=str(path))


@pytest.fixture
def as_incoming():
    return incoming


@pytest.fixture(scope="session")
def imported_template(slomix_templates, stats_files) -> str:
    """A database holding the whole real history, imported once; tests get clones of it."""
    import anyio

    from slomix.kernel import Config, Kernel

    async def build() -> str:
        kernel = Kernel(Config({}), only={"stats"}).load()
        kernel.db.url = await slomix_templates.fresh_database(kernel)
        async with kernel:
            for path in stats_files:
                await kernel.ingest(incoming(path))
        return kernel.db.url

    return anyio.run(build)


@pytest.fixture
async def history(imported_template, slomix_templates, tmp_path):
    """A started kernel (stats plugin only) on a copy of the imported real history."""
    from urllib.parse import urlsplit

    import asyncpg

    from slomix.kernel import Config, Kernel
    from slomix.testing.database import with_database

    source = urlsplit(imported_template).path.lstrip("/")
    name = f"{source}_copy_{abs(hash(tmp_path)) % 10**8}"
    admin = await asyncpg.connect(slomix_templates.admin_url)
    await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    await admin.close()
    kernel = Kernel(Config({"slomix": {"data_dir": str(tmp_path)}}), only={"stats", "core"})
    kernel.load()
    kernel.db.url = with_database(slomix_templates.admin_url, name)
    async with kernel:
        yield kernel
    await slomix_templates.drop(kernel.db.url)

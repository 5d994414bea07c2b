"""Per-plugin migrations: ledger, order, checksums, concurrency."""

from __future__ import annotations

import anyio
import asyncpg
import pytest

from slomix.kernel import IncomingFile, MigrationError
from slomix.kernel import migrations as m
from slomix.testing.database import with_database

pytestmark = pytest.mark.anyio


@pytest.fixture
async def pool(slomix_postgres):
    admin = await asyncpg.connect(slomix_postgres)
    name = f"mig_{id(admin)}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = with_database(slomix_postgres, name)
    pool = await asyncpg.create_pool(url, min_size=1, max_size=4)
    yield pool
    await pool.close()
    await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
    await admin.close()


def folder(tmp_path, name, files):
    path = tmp_path / name
    path.mkdir()
    for filename, sql in files.items():
        (path / filename).write_text(sql)
    return path


async def test_apply_in_dependency_order_into_own_schemas(pool, tmp_path) -> None:
    base = m.MigrationSet("base", folder(tmp_path, "base", {
        "0001_players.sql": "CREATE TABLE players (guid text PRIMARY KEY);",
        "0002_names.sql": "ALTER TABLE players ADD COLUMN name text;",
        "notes.txt": "ignored"}), plugin="base")
    child = m.MigrationSet("child", folder(tmp_path, "child", {
        "0001_scores.sql": "CREATE TABLE scores (guid text REFERENCES base.players);"}),
        requires=("base",), plugin="child")
    applied = await m.apply(pool, [child, base, m.KERNEL])
    assert [(x.plugin, x.version) for x in applied] == [
        ("kernel", 1), ("kernel", 2), ("kernel", 3), ("base", 1), ("base", 2), ("child", 1)]
    assert await pool.fetchval("SELECT to_regclass('child.scores')::text") == "child.scores"
    # Idempotent: nothing left to apply.
    assert await m.apply(pool, [child, base, m.KERNEL]) == []
    states = await m.status_rows(pool, [child, base, m.KERNEL])
    assert {s.state for s in states} == {"applied"}


async def test_changed_applied_migration_is_refused(pool, tmp_path) -> None:
    path = folder(tmp_path, "p", {"0001_t.sql": "CREATE TABLE t (id int);"})
    s = m.MigrationSet("p", path, plugin="p")
    await m.apply(pool, [s])
    (path / "0001_t.sql").write_text("CREATE TABLE t (id bigint);")
    with pytest.raises(MigrationError, match="p 0001_t was changed after it was applied"):
        await m.apply(pool, [s])
    assert [x.state for x in await m.status_rows(pool, [s])] == ["changed"]


async def test_failed_migration_rolls_back_and_names_itself(pool, tmp_path) -> None:
    s = m.MigrationSet("q", folder(tmp_path, "q", {
        "0001_ok.sql": "CREATE TABLE ok (id int);",
        "0002_bad.sql": "CREATE TABLE bad (id int); SELECT * FROM missing_table;"}), plugin="q")
    with pytest.raises(MigrationError, match=r"q 0002_bad failed: .*missing_table"):
        await m.apply(pool, [s])
    assert await pool.fetchval("SELECT to_regclass('q.bad')") is None
    assert await pool.fetchval("SELECT max(version) FROM slomix.migrations WHERE plugin='q'") == 1


async def test_duplicate_versions_and_missing_requirements(tmp_path) -> None:
    dup = m.MigrationSet("d", folder(tmp_path, "d", {"0001_a.sql": "", "0001_b.sql": ""}), plugin="d")
    with pytest.raises(MigrationError, match="two migrations numbered 0001"):
        m.read(dup)
    lonely = m.MigrationSet("l", tmp_path, requires=("ghost",), plugin="l")
    with pytest.raises(MigrationError, match="requires migrations of 'ghost'"):
        m.order([lonely])


async def test_concurrent_runners_apply_each_migration_once(pool, tmp_path) -> None:
    s = m.MigrationSet("c", folder(tmp_path, "c", {
        "0001_t.sql": "CREATE TABLE t (id int); SELECT pg_sleep(0.2);"}), plugin="c")
    results: list[int] = []

    async def run() -> None:
        results.append(len(await m.apply(pool, [s])))

    async with anyio.create_task_group() as tg:
        for _ in range(3):
            tg.start_soon(run)
    assert sorted(results) == [0, 0, 1]


async def test_pooled_connections_come_back_without_session_state(make_kernel, shared_data) -> None:
    """The pool skips asyncpg's reset query: nothing may leave a lock or a setting behind."""
    kernel = await make_kernel(plugins={"stats"})
    assert await m.apply(kernel.db.pool, kernel.migration_sets) == []  # under the migrator's session lock
    files = sorted((shared_data / "stats").glob("*.txt"))[:8]
    await kernel.ingest_many([IncomingFile(name=p.name, data=p.read_bytes()) for p in files])
    pool = kernel.db.pool
    async with pool.acquire() as a, pool.acquire() as b:  # the connections that did the work, and more
        for conn in (a, b):
            assert await conn.fetchval("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'") == 0
            # (asyncpg turns jit off for its type introspection and leaves it off: harmless.)
            assert await conn.fetch("SELECT name FROM pg_settings WHERE source = 'session' AND name <> 'jit'") == []
            assert await conn.fetch("SELECT pg_listening_channels()") == []
            assert not conn.is_in_transaction()

"""Per-plugin numbered SQL migrations with a checksummed ledger.

Each plugin owns one PostgreSQL schema and ships ``NNNN_name.sql`` files. The
runner holds an advisory lock, applies plugins in dependency order, runs each
file in its own transaction with ``search_path`` set to the plugin's schema,
and records (plugin, version, name, checksum, applied_at). It refuses to go
on when an applied file has changed since.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from ..errors import MigrationError

LOCK_KEY = 0x510_31_1  # any constant shared by every slomix process
_FILE = re.compile(r"^(?P<version>\d{4})_(?P<name>[a-z0-9_]+)\.sql$")

LEDGER_DDL = """
CREATE SCHEMA IF NOT EXISTS slomix;
CREATE TABLE IF NOT EXISTS slomix.migrations (
    plugin     text NOT NULL,
    version    integer NOT NULL,
    name       text NOT NULL,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (plugin, version)
);
"""


@dataclass(frozen=True, slots=True)
class MigrationSet:
    """What a plugin returns from ``on_migrations``.

    ``package`` is the dotted name of the package folder holding the SQL
    files (or a Traversable); ``requires`` names plugins to migrate first.
    """

    schema: str
    package: str | Traversable
    requires: tuple[str, ...] = ()
    plugin: str = ""

    def folder(self) -> Traversable:
        return resources.files(self.package) if isinstance(self.package, str) else self.package


@dataclass(frozen=True, slots=True)
class Migration:
    plugin: str
    version: int
    name: str
    sql: str
    checksum: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class MigrationState:
    plugin: str
    version: int
    name: str
    state: str  # applied | pending | changed | unloaded (its plugin is not enabled)
    applied_at: datetime | None


KERNEL = MigrationSet(schema="slomix", package="slomix.kernel.migrations", plugin="kernel")


def read(migration_set: MigrationSet) -> list[Migration]:
    """The set's migrations in version order; duplicate versions are an error."""
    found: dict[int, Migration] = {}
    for entry in migration_set.folder().iterdir():
        match = _FILE.match(entry.name)
        if not match:
            continue
        version = int(match["version"])
        if version in found:
            raise MigrationError(
                f"plugin {migration_set.plugin!r} has two migrations numbered {version:04d}"
            )
        sql = entry.read_text(encoding="utf-8")
        checksum = hashlib.sha256(sql.encode()).hexdigest()
        found[version] = Migration(migration_set.plugin, version, match["name"], sql, checksum)
    return [found[v] for v in sorted(found)]


def order(sets: list[MigrationSet]) -> list[MigrationSet]:
    """Dependency order (kernel first); a missing or circular requirement is an error."""
    by_name = {s.plugin: s for s in sets}
    done: list[MigrationSet] = []
    visiting: set[str] = set()

    def visit(s: MigrationSet) -> None:
        if s in done:
            return
        if s.plugin in visiting:
            raise MigrationError(f"circular migration requirement through {s.plugin!r}")
        visiting.add(s.plugin)
        for need in s.requires:
            if need not in by_name:
                raise MigrationError(f"plugin {s.plugin!r} requires migrations of {need!r}, "
                                     "which is not enabled")
            visit(by_name[need])
        visiting.discard(s.plugin)
        done.append(s)

    for s in sorted(sets, key=lambda s: (s.plugin != "kernel", s.plugin)):
        visit(s)
    return done


async def _ledger(conn: Any) -> dict[tuple[str, int], Any]:
    await conn.execute(LEDGER_DDL)
    rows = await conn.fetch("SELECT plugin, version, name, checksum, applied_at FROM slomix.migrations")
    return {(r["plugin"], r["version"]): r for r in rows}


def _check_unchanged(migration: Migration, row: Any) -> None:
    if row["checksum"] != migration.checksum:
        raise MigrationError(
            f"migration {migration.plugin} {migration.version:04d}_{migration.name} was changed "
            "after it was applied; restore the file or write a new migration"
        )


async def apply(pool: Any, sets: list[MigrationSet]) -> list[Migration]:
    """Apply every pending migration; return those applied. Safe to run concurrently."""
    applied: list[Migration] = []
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", LOCK_KEY)
        try:
            ledger = await _ledger(conn)
            for migration_set in order(sets):
                for migration in read(migration_set):
                    row = ledger.get((migration.plugin, migration.version))
                    if row is not None:
                        _check_unchanged(migration, row)
                        continue
                    async with conn.transaction():
                        await conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{migration_set.schema}"')
                        await conn.execute(f'SET LOCAL search_path TO "{migration_set.schema}", public')
                        try:
                            await conn.execute(migration.sql)
                        except Exception as error:
                            raise MigrationError(
                                f"migration {migration.plugin} {migration.version:04d}_"
                                f"{migration.name} failed: {error}"
                            ) from error
                        await conn.execute(
                            "INSERT INTO slomix.migrations (plugin, version, name, checksum)"
                            " VALUES ($1, $2, $3, $4)",
                            migration.plugin, migration.version, migration.name, migration.checksum,
                        )
                    applied.append(migration)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", LOCK_KEY)
    return applied


async def status_rows(pool: Any, sets: list[MigrationSet], *, raise_on_change: bool = False
                      ) -> list[MigrationState]:
    """Every migration known to the files or the ledger, with its state."""
    async with pool.acquire() as conn:
        ledger = await _ledger(conn)
    states: list[MigrationState] = []
    seen: set[tuple[str, int]] = set()
    for migration_set in order(sets):
        for m in read(migration_set):
            row = ledger.get((m.plugin, m.version))
            seen.add((m.plugin, m.version))
            if row is None:
                states.append(MigrationState(m.plugin, m.version, m.name, "pending", None))
                continue
            if raise_on_change:
                _check_unchanged(m, row)
            state = "applied" if row["checksum"] == m.checksum else "changed"
            states.append(MigrationState(m.plugin, m.version, m.name, state, row["applied_at"]))
    for key, row in sorted(ledger.items()):
        if key not in seen:
            states.append(MigrationState(row["plugin"], row["version"], row["name"], "unloaded",
                                         row["applied_at"]))
    return states

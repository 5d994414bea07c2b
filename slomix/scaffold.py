"""``slomix new-plugin NAME``: write an installable plugin that already works and is tested."""

from __future__ import annotations

import re
from pathlib import Path

from . import console
from .kernel import ExitCode, UsageError

_NAME = re.compile(r"^[a-z][a-z0-9_]{1,30}$")

PYPROJECT = """\
[build-system]
requires = ["hatchling>=1.25"]
build-backend = "hatchling.build"

[project]
name = "slomix-{dist}"
version = "0.1.0"
description = "A Slomix plugin"
requires-python = ">=3.12"
dependencies = ["slomix"]

[project.optional-dependencies]
dev = ["pytest>=8.3", "httpx2>=2.16", "slomix-http"]

[project.entry-points."slomix.plugins"]
{name} = "slomix_{name}:{cls}"

[tool.hatch.build.targets.wheel]
packages = ["slomix_{name}"]
"""

MODULE = '''\
"""The {name} plugin: one command, one route, one table."""

from __future__ import annotations

import msgspec

from slomix.kernel import Arg, Command, Context, MigrationSet, Reply, Request, Route, hookimpl


class Settings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``[plugins.{name}]``."""

    greeting: str = "Hello"


class Notes(msgspec.Struct):
    notes: list[str]


class {cls}:
    @hookimpl
    def on_config_schema(self) -> type:
        return Settings

    @hookimpl
    def on_migrations(self) -> MigrationSet:
        return MigrationSet(schema="{name}", package="slomix_{name}.migrations")

    @hookimpl
    def on_command(self, kernel):
        async def note(ctx: Context) -> Reply:
            await ctx.kernel.db.pool.execute("INSERT INTO {name}.notes (text) VALUES ($1)",
                                             ctx.args["text"])
            greeting = ctx.kernel.settings_for("{name}").greeting
            return Reply(title=f"{{greeting}}, {{ctx.actor.name}}", description="Noted.")

        return [Command("{name}_note", note, "Write a note",
                        args=(Arg("text", rest=True, required=True, help="the note"),))]

    @hookimpl
    def on_http_route(self, kernel):
        async def notes(request: Request) -> Notes:
            rows = await request.kernel.db.pool.fetch("SELECT text FROM {name}.notes ORDER BY id")
            return Notes([r["text"] for r in rows])

        return [Route("GET", "/api/{name}/notes", notes, summary="Every note",
                      response_type=Notes)]
'''

MIGRATION = """\
CREATE TABLE notes (
    id   serial PRIMARY KEY,
    text text NOT NULL
);
"""

TEST = '''\
import pytest

from slomix.cli import CLI_ACTOR
from slomix_{name} import {cls}

pytestmark = pytest.mark.anyio


async def test_note_command_and_route(make_kernel, http_client):
    # Registered directly so the test passes before `pip install -e .` too.
    kernel = await make_kernel(plugins={{"http"}}, extra={{"{name}": ("plugin", {cls}())}})
    reply = await kernel.commands.dispatch(kernel, "!{name}_note buy more ammo", CLI_ACTOR)
    assert reply.description == "Noted."

    client = await http_client(kernel)
    response = await client.get("/api/{name}/notes")
    assert response.json() == {{"notes": ["buy more ammo"]}}
'''


def create(name: str, parent: Path) -> int:
    """Write ``slomix-<name>/`` under ``parent``; refuse to overwrite anything."""
    if not _NAME.match(name):
        raise UsageError(f"plugin name {name!r}: use 2-31 lower-case letters, digits or _, "
                         "starting with a letter")
    root = parent / f"slomix-{name.replace('_', '-')}"
    if root.exists():
        raise UsageError(f"{root} already exists")
    values = {"name": name, "dist": name.replace("_", "-"),
              "cls": "".join(part.capitalize() for part in name.split("_")) + "Plugin"}
    files = {
        "pyproject.toml": PYPROJECT,
        f"slomix_{name}/__init__.py": MODULE,
        f"slomix_{name}/migrations/__init__.py": "",
        f"slomix_{name}/migrations/0001_notes.sql": MIGRATION,
        f"tests/test_{name}.py": TEST,
    }
    for relative, template in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(template.format(**values), encoding="utf-8")
    console.out.print(f"created {root}: pip install -e '{root}[dev]' then pytest {root}/tests")
    return ExitCode.OK

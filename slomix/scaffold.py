"""``slomix new-plugin NAME``: write an installable plugin that already works and is tested.

The files come from ``slomix/scaffold_template/`` with the name filled in; the example
third-party plugin of the test suite (``tests/example_plugin``) is exactly what
``slomix new-plugin example`` writes, and a test keeps it so.
"""

from __future__ import annotations

import re
from importlib import metadata, resources
from importlib.resources.abc import Traversable
from pathlib import Path

from .kernel import ExitCode, UsageError
from .kernel.console import out
from .kernel.plugins import GROUPS

_NAME = re.compile(r"^[a-z][a-z0-9_]{1,30}$")
TEMPLATE = "slomix.scaffold_template"
SUFFIX = ".tmpl"
# Schemas PostgreSQL or Slomix keep for themselves: a plugin's schema is named after it.
RESERVED = ("slomix", "public", "information_schema")


def check_name(name: str) -> None:
    """Refuse a name that is no identifier, that PostgreSQL reserves, or that a plugin has taken."""
    if not _NAME.match(name):
        raise UsageError(f"plugin name {name!r}: use 2-31 lower-case letters, digits or _, starting with a letter")
    if name.startswith("pg_") or name in RESERVED:
        raise UsageError(f"plugin name {name!r}: the plugin's database schema would take a name PostgreSQL or "
                         "Slomix reserves (pg_..., public, slomix, information_schema)")
    for group in GROUPS.values():
        taken = {ep.name: ep.value for ep in metadata.entry_points(group=group)}
        if name in taken:
            raise UsageError(f"plugin name {name!r} is taken by an installed {group} entry point ({taken[name]})")


def render(name: str) -> dict[str, str]:
    """The plugin's files, relative path → text."""
    values = {"name": name, "dist": name.replace("_", "-"),
              "cls": "".join(part.capitalize() for part in name.split("_")) + "Plugin"}

    def fill(text: str) -> str:
        return re.sub(r"\{\{(\w+)\}\}", lambda m: values[m[1]], text)

    files: dict[str, str] = {}

    def walk(folder: Traversable, prefix: str) -> None:
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.is_dir():
                if entry.name != "__pycache__":
                    walk(entry, f"{prefix}{fill(entry.name)}/")
            elif entry.name.endswith(SUFFIX):
                files[prefix + fill(entry.name.removesuffix(SUFFIX))] = fill(entry.read_text(encoding="utf-8"))

    walk(resources.files(TEMPLATE), "")
    return files


def create(name: str, parent: Path) -> int:
    """Write ``slomix-<name>/`` under ``parent``; refuse to overwrite anything."""
    check_name(name)
    root = parent / f"slomix-{name.replace('_', '-')}"
    if root.exists():
        raise UsageError(f"{root} already exists")
    for relative, text in render(name).items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    out.print(f"created {root}: pip install -e '{root}[dev]' then pytest {root}/tests", soft_wrap=True)
    return ExitCode.OK

"""``slomix new-plugin``: what it writes is the example third-party plugin, it refuses names that would
collide, and the plugin it writes installs and passes its own test with a plain ``pytest``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from slomix import scaffold
from slomix.kernel import UsageError

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "tests" / "example_plugin"


def test_the_example_plugin_is_what_new_plugin_writes() -> None:
    written = {str(p.relative_to(EXAMPLE)): p.read_text() for p in EXAMPLE.rglob("*")
               if p.is_file() and "__pycache__" not in p.parts and ".egg-info" not in str(p)}
    assert written == scaffold.render("example")


@pytest.mark.parametrize(("name", "reason"), [
    ("Stats-2", "use 2-31 lower-case letters"),
    ("pg_notes", "PostgreSQL or Slomix reserves"),
    ("public", "PostgreSQL or Slomix reserves"),
    ("stats", "taken by an installed slomix.plugins entry point (slomix_stats.plugin:StatsPlugin)"),
    ("http", "taken by an installed slomix.adapters entry point"),
])
def test_names_that_would_collide_are_refused(name, reason) -> None:
    with pytest.raises(UsageError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        scaffold.check_name(name)


def test_the_written_plugin_installs_and_its_test_passes_with_plain_pytest(tmp_path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLOMIX")}
    made = subprocess.run([sys.executable, "-m", "slomix.cli", "new-plugin", "notes_demo", "--dir", str(tmp_path)],
                          capture_output=True, text=True, env=env, timeout=60)
    assert made.returncode == 0, made.stderr
    plugin = tmp_path / "slomix-notes-demo"
    assert (plugin / "slomix_notes_demo" / "__init__.py").is_file()
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "install", "--no-deps", "-e", str(plugin)], check=True, timeout=300, env=env)
    try:
        run = subprocess.run([sys.executable, "-m", "pytest", str(plugin / "tests"), "-q", "-p", "no:cacheprovider"],
                             capture_output=True, text=True, cwd=plugin, timeout=600, env=env)
    finally:
        subprocess.run([*pip, "uninstall", "-y", "slomix-notes-demo"], check=True, timeout=120, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "1 passed" in run.stdout

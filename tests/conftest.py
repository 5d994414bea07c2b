"""Helpers shared by the cross-cutting tests."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The example plugin's own tests need it installed; tests/test_example_plugin.py and
# tests/test_scaffold.py run them the way its author would.
collect_ignore = ["example_plugin"]


def _slomix_cli(*args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60,
               input: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed ``slomix`` command in a subprocess, the way a user does."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SLOMIX")}
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "slomix.cli", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout, input=input)


def _make_distribution(folder: Path, dist: str, group: str, entry: str, module_source: str | None,
                      module: str) -> Path:
    """Write an importable distribution (dist-info + module) into ``folder`` for sys.path.

    Enough for importlib.metadata to find its entry point, as if pip had installed it.
    """
    info = folder / f"{dist}-0.0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: 0.0.1\n")
    (info / "entry_points.txt").write_text(f"[{group}]\n{entry}\n")
    if module_source is not None:
        (folder / f"{module}.py").write_text(textwrap.dedent(module_source))
    return folder


@pytest.fixture
def broken_plugin_path(tmp_path: Path) -> Path:
    """A third-party plugin whose import fails."""
    return _make_distribution(tmp_path / "site", "slomix-broken", "slomix.plugins",
                             "broken = slomix_broken:Plugin",
                             "raise ImportError('this plugin is broken on purpose')\n",
                             "slomix_broken")


@pytest.fixture
def slomix_cli():
    """Run ``slomix`` in a subprocess: ``slomix_cli("plugins", "--json", cwd=tmp_path)``."""
    return _slomix_cli


@pytest.fixture
def make_distribution():
    return _make_distribution

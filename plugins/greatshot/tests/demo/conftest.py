"""Real demos from ../shared/data/demos, parsed once per session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from slomix_greatshot.demo import Demo, parse

NAMES = ("scores_test.dm_84", "demo01_legacy.tv_84", "etpro_capture_test.dm_84")


@pytest.fixture(scope="session")
def demo_dir(shared_data: Path) -> Path:
    return shared_data / "demos"


@pytest.fixture(scope="session")
def parsed(demo_dir: Path) -> dict[str, Demo]:
    return {name: parse(demo_dir / name) for name in NAMES}


@pytest.fixture(scope="session")
def references(demo_dir: Path) -> dict[str, dict]:
    return {name: json.loads((demo_dir / f"{name}.reference-kills.json").read_text()) for name in NAMES}

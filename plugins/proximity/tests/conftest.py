"""Fixtures of the proximity tests: the scripted match (``proximity_match``), played fresh for each test."""

from __future__ import annotations

from pathlib import Path

import pytest
from proximity_match import Played, play


@pytest.fixture
def played(tmp_path: Path) -> Played:
    return play(tmp_path / "et-home")

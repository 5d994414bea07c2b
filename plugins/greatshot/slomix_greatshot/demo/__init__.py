"""Our own ET:Legacy demo library: read ``.dm_84`` / ``.tv_84`` (and ETPro), cut clips.

Imports nothing from slomix, so it can be used and tested alone. The public
surface is what this module exports; other plugins reach it through
``slomix_greatshot.api``.
"""

from __future__ import annotations

from .cutter import cut
from .errors import DemoError
from .model import (
    SCHEMA_VERSION,
    WORLD,
    Chat,
    CutInfo,
    Demo,
    Kill,
    Phase,
    Player,
    Position,
    Positions,
    Pov,
    Score,
)
from .reader import parse

__all__ = [
    "SCHEMA_VERSION",
    "WORLD",
    "Chat",
    "CutInfo",
    "Demo",
    "DemoError",
    "Kill",
    "Phase",
    "Player",
    "Position",
    "Positions",
    "Pov",
    "Score",
    "cut",
    "parse",
]

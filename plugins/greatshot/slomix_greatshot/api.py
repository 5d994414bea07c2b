"""What other plugins may use from greatshot: the demo library's public surface."""

from slomix_greatshot.demo import (
    SCHEMA_VERSION,
    WORLD,
    Chat,
    CutInfo,
    Demo,
    DemoError,
    Kill,
    Phase,
    Player,
    Position,
    Positions,
    Pov,
    Score,
    cut,
    parse,
)

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

"""Highlight rules: pure functions from a demo's kills (and positions) to moments worth a clip."""

from .rules import KINDS, Moment, detect

__all__ = ["KINDS", "Moment", "detect"]

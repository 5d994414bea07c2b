"""The stats plugin's hooks."""

from __future__ import annotations


class StatsPlugin:
    """Registers under ``stats``."""

"""Proximity telemetry: where fights happen (heatmaps, engagements, trades, crossfire, spawn timing)."""

from .plugin import ProximityPlugin

__all__ = ["ProximityPlugin"]

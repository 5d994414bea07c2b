"""Duo and lineup synergy, matchups and nemesis, from the rated stopwatch maps and endstats."""

from .plugin import SynergyPlugin

__all__ = ["SynergyPlugin"]

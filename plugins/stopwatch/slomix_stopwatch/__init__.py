"""Slomix stopwatch: persistent teams per gaming session and map-based stopwatch scoring.

Reads rounds only through ``slomix_stats.api``; pages and other plugins read results through
``slomix_stopwatch.api``.
"""

from .plugin import StopwatchPlugin

__all__ = ["StopwatchPlugin"]

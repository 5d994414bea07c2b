"""Slomix: ET:Legacy game-server files in, a PostgreSQL history and its stats out."""

__version__ = "0.1.0"

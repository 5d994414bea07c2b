"""Short ways to set a plugin's or adapter's setting: a command-line flag, an environment variable.

An adapter offers them through ``on_shortcuts`` (the HTTP adapter: ``slomix run --port`` and
``$SLOMIX_HTTP_PORT``), so the kernel names no adapter. A flag wins over the variable, which wins
over the config file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Shortcut:
    """``key`` is the setting's dotted path (``adapters.http.port``); ``type`` converts the text."""

    key: str
    help: str
    flag: str | None = None
    env: str | None = None
    type: Callable[[str], Any] = str
    commands: tuple[str, ...] = ("run",)

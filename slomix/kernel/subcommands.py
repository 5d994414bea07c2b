"""Terminal sub-commands contributed by plugins (``slomix import``, ``slomix parse``)."""

from __future__ import annotations

import argparse
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .runtime import Kernel


@dataclass(frozen=True, slots=True)
class SubCommand:
    """One ``slomix <name>`` command.

    ``configure`` adds its arguments to an argparse parser; ``run`` receives
    the parsed namespace and a started kernel (with the database open when
    ``needs_database``) and returns the process exit code.
    """

    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, Kernel], Awaitable[int]]
    needs_database: bool = True

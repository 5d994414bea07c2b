"""Picks the bit reader: the compiled one when it was built, else pure Python.

``SLOMIX_DEMO_PURE=1`` forces the pure-Python reader (tests and the benchmark
run both and compare).
"""

from __future__ import annotations

import os

from .bitstream import Reader as PureReader
from .bitstream import StreamError

try:
    from ._fastdemo import Reader as FastReader
except ImportError:  # no compiler at install time: the fallback gives identical results
    FastReader = None

COMPILED = FastReader is not None


def reader_class(pure: bool | None = None) -> type:
    """The Reader to use; ``pure=None`` follows ``SLOMIX_DEMO_PURE``."""
    if pure is None:
        pure = os.environ.get("SLOMIX_DEMO_PURE", "") not in ("", "0")
    return PureReader if pure or FastReader is None else FastReader


__all__ = ["COMPILED", "StreamError", "reader_class"]

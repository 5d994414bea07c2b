"""Picks the bit reader: the compiled one when it was built, else pure Python.

``SLOMIX_DEMO_PURE=1`` forces the pure-Python reader (tests and the benchmark
run both and compare).
"""

from __future__ import annotations

import os

from .bitstream import Reader as PureReader
from .bitstream import StreamError
from .codes import CODES
from .netfields import ENTITY_BITS, INTEGRAL_FLOATS, PLAYER_BITS, SHARED_BITS

try:
    from . import _fastdemo
except ImportError:  # no compiler at install time: the fallback gives identical results
    FastReader = None
else:
    _fastdemo.init(CODES, ENTITY_BITS, PLAYER_BITS, SHARED_BITS, INTEGRAL_FLOATS, StreamError)
    FastReader = _fastdemo.Reader

COMPILED = FastReader is not None


def reader_class(pure: bool | None = None) -> type:
    """The Reader to use; ``pure=None`` follows ``SLOMIX_DEMO_PURE``."""
    if pure is None:
        pure = os.environ.get("SLOMIX_DEMO_PURE", "") not in ("", "0")
    return PureReader if pure or FastReader is None else FastReader


__all__ = ["COMPILED", "StreamError", "reader_class"]

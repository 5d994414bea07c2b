"""Heatmap grids: counts per square cell of the map, packed small enough to add up thousands of rounds fast.

A grid is a bytes value of little-endian records (cell x: int16, cell y: int16, value: float32);
cell (i, j) covers game units [i·CELL, (i+1)·CELL) × [j·CELL, (j+1)·CELL).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

CELL_UNITS = 128  # 3.25 m: fine enough to show a doorway, coarse enough to add up quickly
RECORD = np.dtype([("cx", "<i2"), ("cy", "<i2"), ("value", "<f4")])
KINDS = ("kills", "deaths", "presence")
# Cell indices fit int16 (the world is ±131072 units, ±1024 cells); one int64 key per cell while packing.
_OFFSET, _SPAN = 1 << 15, 1 << 16

DEFINITION = (
    "Heatmaps count what happened in each square of the map: kills where the killer stood, deaths where the "
    "victim fell, presence where players were alive (seconds spent, from the position samples). Squares are "
    f"{CELL_UNITS} game units ({CELL_UNITS * 0.0254:.2f} m) wide; the map's shape is drawn from where players have "
    "been, unless an overview image is configured for the map.")


def pack(xs: Iterable[float] | np.ndarray, ys: Iterable[float] | np.ndarray,
         weights: float | np.ndarray = 1.0) -> bytes:
    """The grid of points (x, y) each adding ``weight``."""
    x = np.asarray(xs, dtype=np.float64)
    y = np.asarray(ys, dtype=np.float64)
    if x.size == 0:
        return b""
    cx = np.floor(x / CELL_UNITS).astype(np.int64)
    cy = np.floor(y / CELL_UNITS).astype(np.int64)
    keys, inverse = np.unique((cx + _OFFSET) * _SPAN + (cy + _OFFSET), return_inverse=True)
    values = np.bincount(inverse, weights=np.broadcast_to(weights, x.shape).astype(np.float64))
    out = np.empty(keys.size, dtype=RECORD)
    out["cx"], out["cy"], out["value"] = keys // _SPAN - _OFFSET, keys % _SPAN - _OFFSET, values
    return out.tobytes()


class Grid:
    """Grids added together (records of any number of grids, concatenated), then read as a dense array."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def add(self, grid: bytes) -> None:
        if grid:
            self._parts.append(grid)

    def _records(self) -> np.ndarray:
        return np.frombuffer(b"".join(self._parts), dtype=RECORD)

    def dense(self) -> tuple[np.ndarray, int, int]:
        """(values[row = cell y - y0, column = cell x - x0], x0, y0); an empty 0×0 array when nothing was added."""
        records = self._records()
        if not records.size:
            return np.zeros((0, 0)), 0, 0
        cx, cy = records["cx"].astype(np.int64), records["cy"].astype(np.int64)
        x0, y0 = int(cx.min()), int(cy.min())
        height, width = int(cy.max()) - y0 + 1, int(cx.max()) - x0 + 1
        cells = np.bincount((cy - y0) * width + (cx - x0), weights=records["value"], minlength=height * width)
        return cells.reshape(height, width), x0, y0

    def total(self) -> float:
        return float(self._records()["value"].sum(dtype=np.float64))

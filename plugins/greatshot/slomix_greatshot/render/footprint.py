"""The shape of a map, drawn from where players have been (when no overview image is configured)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter

from ..demo import Position, Positions

CELLS = 256
MARGIN = 0.04  # of the extent, so markers on the edge stay visible


@dataclass(frozen=True, slots=True)
class Bounds:
    """A square of the game's x/y plane (y grows upwards in the game, downwards in pictures)."""

    min_x: float
    min_y: float
    size: float

    def pixel(self, x: float, y: float, width: int) -> tuple[float, float]:
        scale = width / self.size
        return (x - self.min_x) * scale, (self.min_y + self.size - y) * scale

    def as_dict(self) -> dict[str, float]:
        return {"min_x": self.min_x, "min_y": self.min_y, "size": self.size}

    @classmethod
    def of(cls, xy: np.ndarray) -> Bounds:
        """The square around every (x, y) row of ``xy``, with a margin (at least 512 units across)."""
        lo_x, hi_x, lo_y, hi_y = (float(xy[:, 0].min()), float(xy[:, 0].max()), float(xy[:, 1].min()),
                                  float(xy[:, 1].max())) if len(xy) else (0.0, 0.0, 0.0, 0.0)
        size = max(hi_x - lo_x, hi_y - lo_y, 512.0) * (1 + 2 * MARGIN)
        return cls(round((lo_x + hi_x - size) / 2, 1), round((lo_y + hi_y - size) / 2, 1), round(size, 1))


def footprint(positions: Sequence[Position]) -> tuple[Bounds, Image.Image]:
    """The bounds of every position and a greyscale picture (CELLS²) of the places visited."""
    xy = np.frombuffer(Positions.of(positions).places, dtype="<f4").reshape(-1, 5)[:, :2].astype(np.float64)
    bounds = Bounds.of(xy)
    grid = np.zeros((CELLS, CELLS), dtype=np.uint8)
    if len(xy):
        cols = ((xy[:, 0] - bounds.min_x) / bounds.size * CELLS).astype(int).clip(0, CELLS - 1)
        rows = ((bounds.min_y + bounds.size - xy[:, 1]) / bounds.size * CELLS).astype(int).clip(0, CELLS - 1)
        grid[rows, cols] = 255
    # Widen each visited cell into a corridor: MaxFilter is deterministic (no blur, no dithering).
    picture = Image.fromarray(grid, mode="L").filter(ImageFilter.MaxFilter(5))
    return bounds, picture

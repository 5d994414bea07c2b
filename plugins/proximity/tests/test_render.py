"""Heatmap pictures: drawn over the map's shape from the data, or over an admin's overview image."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from slomix.kernel import Config, ConfigError, Kernel
from slomix_proximity import render
from slomix_proximity.analytics import heat
from slomix_proximity.settings import Overview

OVERVIEW_COLOUR = (10, 200, 30)


def colours(png: bytes) -> set[tuple[int, int, int]]:
    picture = Image.open(io.BytesIO(png)).convert("RGB")
    return {colour for _, colour in picture.getcolors(1 << 20)}


def test_the_grid_adds_rounds_up() -> None:
    grid = heat.Grid()
    grid.add(heat.pack([0, 10, 130, -1], [0, 0, 0, -1]))   # cells (0,0) ×2, (1,0), (-1,-1)
    grid.add(heat.pack([5], [5], 2.5))
    values, x0, y0 = grid.dense()
    assert (x0, y0, values.shape) == (-1, -1, (2, 3))
    assert values[0 - y0][0 - x0] == 4.5 and values[0 - y0][1 - x0] == 1 and values[-1 - y0][-1 - x0] == 1
    assert grid.total() == 6.5


def test_overview_image_is_drawn_under_the_heatmap(tmp_path: Path) -> None:
    image = tmp_path / "supply.png"
    Image.new("RGB", (64, 64), OVERVIEW_COLOUR).save(image)
    kills = heat.Grid()
    kills.add(heat.pack([0, 500], [0, 500]))
    shape = heat.Grid()
    shape.add(heat.pack(range(-2000, 2000, 100), range(-2000, 2000, 100)))
    plain = render.heatmap_png(kills, shape, kind="kills", title="supply")
    over = render.heatmap_png(kills, shape, kind="kills", title="supply",
                              overview=Overview(image=str(image), mins=(-4000, 4000), maxs=(4000, -4000)))
    assert OVERVIEW_COLOUR in colours(over) and OVERVIEW_COLOUR not in colours(plain)


def test_an_overview_must_exist_and_have_bounds(tmp_path: Path) -> None:
    section = {"overviews": {"supply": {"image": str(tmp_path / "missing.png"), "mins": [0, 10], "maxs": [10, 0]}}}
    with pytest.raises(ConfigError, match=r"plugins\.proximity.*missing\.png"):
        Kernel(Config({"plugins": {"proximity": section}}), only={"stats", "proximity"}).load()

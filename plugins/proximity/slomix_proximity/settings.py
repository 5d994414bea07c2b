"""``[plugins.proximity]``."""

from __future__ import annotations

import os
from typing import Annotated

import msgspec


class Overview(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """An admin-supplied overview image of a map and the game coordinates of its edges.

    As in ET's command maps: ``mins`` is (x of the left edge, y of the top edge), ``maxs`` is
    (x of the right edge, y of the bottom edge); y grows upwards in the game, downwards in the image.
    """

    image: str
    mins: tuple[float, float]
    maxs: tuple[float, float]

    def __post_init__(self) -> None:
        if self.mins[0] == self.maxs[0] or self.mins[1] == self.maxs[1]:
            raise ValueError("mins and maxs must differ in x and in y")
        if not os.path.isfile(self.image):
            raise ValueError(f"image {self.image!r} is not a file")


class ProximitySettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    # Telemetry belongs to the stats round of its map and round number that ended this close to it.
    link_window_seconds: Annotated[int, msgspec.Meta(ge=10, le=3600)] = 300
    # Overview images per map name, e.g. [plugins.proximity.overviews.supply].
    overviews: dict[str, Overview] = {}
    # Demos whose positions become tracks: ETTV demos see every player; a player's own demo (.dm_84)
    # sees only what that player saw, so its "tracks" would have holes.
    demo_suffixes: tuple[str, ...] = (".tv_84",)
    # Demo snapshots are kept at this interval (the tracker's default rate: 5 Hz).
    demo_sample_ms: Annotated[int, msgspec.Meta(ge=50, le=5000)] = 200

"""``[plugins.greatshot]``: upload limits, highlight thresholds, clip windows, render size."""

from __future__ import annotations

from typing import Annotated

import msgspec

Positive = Annotated[int, msgspec.Meta(ge=1)]


class Thresholds(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, frozen=True):
    """What counts as a highlight (times in milliseconds, distances in game units)."""

    multi_kill_window_ms: Positive = 4000
    multi_kill_min: Annotated[int, msgspec.Meta(ge=2)] = 3
    spree_min: Annotated[int, msgspec.Meta(ge=2)] = 4
    headshot_window_ms: Positive = 2500
    headshot_chain_min: Annotated[int, msgspec.Meta(ge=2)] = 2
    aim_moment_min: Annotated[int, msgspec.Meta(ge=2)] = 3
    trade_window_ms: Positive = 3000
    long_shot_units: Positive = 2000
    clutch_min: Annotated[int, msgspec.Meta(ge=1)] = 2


class Overview(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, frozen=True):
    """An admin-supplied overview image and the game coordinates of its edges, as in ET's command
    maps (and the proximity plugin's setting): ``mins`` = (x of the left edge, y of the top edge),
    ``maxs`` = (x of the right edge, y of the bottom edge)."""

    image: str
    mins: tuple[float, float]
    maxs: tuple[float, float]

    def __post_init__(self) -> None:
        if self.mins[0] >= self.maxs[0] or self.mins[1] <= self.maxs[1]:
            raise ValueError("mins is the left and top edge, maxs the right and bottom one")


class GreatshotSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    max_upload_bytes: Positive = 200 * 1024 * 1024
    max_files_per_request: Annotated[int, msgspec.Meta(ge=1, le=50)] = 10
    # Per uploader: total stored bytes, and uploads per hour.
    quota_bytes: Positive = 2 * 1024 * 1024 * 1024
    uploads_per_hour: Positive = 30
    # Free disk on the storage volume must stay at least this many times the upload's size.
    free_disk_factor: Annotated[float, msgspec.Meta(ge=0)] = 3.0
    thresholds: Thresholds = Thresholds()
    clip_before_ms: Annotated[int, msgspec.Meta(ge=0, le=60000)] = 4000
    clip_after_ms: Annotated[int, msgspec.Meta(ge=0, le=60000)] = 3000
    render_size: Annotated[int, msgspec.Meta(ge=128, le=2048)] = 640
    render_fps: Annotated[int, msgspec.Meta(ge=5, le=60)] = 20
    preview_size: Annotated[int, msgspec.Meta(ge=64, le=1024)] = 320
    preview_fps: Annotated[int, msgspec.Meta(ge=2, le=30)] = 10
    # Highlights rendered per demo (best first); 0 renders none.
    render_top: Annotated[int, msgspec.Meta(ge=0, le=100)] = 10
    # A configured external renderer: a command template with {demo} {start} {end} {video}.
    render_command: str | None = None
    render_command_timeout_seconds: Positive = 300
    # Link a demo to its stats round by itself at this confidence (0-100); below, an admin confirms.
    link_threshold: Annotated[int, msgspec.Meta(ge=0, le=100)] = 60
    analyse_timeout_seconds: Positive = 600
    render_timeout_seconds: Positive = 600
    # Overview images per map name, e.g. [plugins.greatshot.overviews.supply].
    overviews: dict[str, Overview] = {}

"""Drawing one frame of a clip: players as team-coloured markers with their view direction and
name, kill lines, headshot marks, a kill feed and the clock, over the map's shape.

A frame is a pure function of the clip's data and the time, so the same clip always gives the
same pixels (no antialiasing, no clock, no randomness).
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from .footprint import Bounds

AXIS = (220, 60, 50)
ALLIES = (60, 120, 230)
OTHER = (160, 160, 160)
KILL_LINE = (255, 220, 80)
HEADSHOT = (255, 40, 200)
BACKGROUND = (18, 20, 24)
GROUND = (58, 62, 70)
TEXT = (235, 235, 235)
KILL_SHOWN_MS = 1500
FEED_MS = 5000
STALE_MS = 600  # a player not seen for this long is not drawn (dead, in limbo, out of view)


def team_colour(team: str) -> tuple[int, int, int]:
    return {"axis": AXIS, "allies": ALLIES}.get(team, OTHER)


@dataclass(slots=True)
class Track:
    """One client's samples in time order."""

    times: list[int] = field(default_factory=list)
    samples: list[Any] = field(default_factory=list)

    def at(self, t: int) -> tuple[float, float, float, str] | None:
        """Position (x, y, yaw) and team at ``t``, interpolated between the samples around it."""
        i = bisect.bisect_right(self.times, t) - 1
        if i < 0 or t - self.times[i] > STALE_MS:
            return None
        a = self.samples[i]
        if i + 1 < len(self.samples) and self.times[i + 1] - self.times[i] <= STALE_MS:
            b = self.samples[i + 1]
            f = (t - self.times[i]) / max(1, self.times[i + 1] - self.times[i])
            turn = (b.yaw - a.yaw + 180) % 360 - 180
            return a.x + (b.x - a.x) * f, a.y + (b.y - a.y) * f, a.yaw + turn * f, a.team
        return a.x, a.y, a.yaw, a.team


@dataclass
class Scene:
    """Everything a clip's frames show."""

    bounds: Bounds
    ground: Image.Image  # the map (greyscale footprint or an overview), any size
    positions: Sequence[Any]
    kills: Sequence[Any]
    names: dict[int, str]
    start_ms: int  # the clock's zero (the demo's first snapshot)
    focus: int | None = None  # the highlight's player, ringed
    size: int = 640
    tracks: dict[int, Track] = field(default_factory=dict, init=False)
    _base: Image.Image | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        for p in sorted(self.positions, key=lambda p: (p.client, p.time_ms)):
            track = self.tracks.setdefault(p.client, Track())
            track.times.append(p.time_ms)
            track.samples.append(p)
        self.kills = sorted(self.kills, key=lambda k: k.time_ms)
        self._font = ImageFont.load_default(max(10, self.size // 48))
        self._labels: dict[str, tuple[Image.Image, int, int]] = {}

    def label(self, image: Image.Image, xy: tuple[float, float], text: str, colour: tuple[int, int, int]) -> None:
        """Text drawn once per string as a mask, then pasted (rendering glyphs every frame is slow)."""
        mask, left, top = self._mask(text)
        image.paste(colour, (round(xy[0]) + left, round(xy[1]) + top), mask)

    def _mask(self, text: str) -> tuple[Image.Image, int, int]:
        if text not in self._labels:
            left, top, right, bottom = self._font.getbbox(text)
            mask = Image.new("L", (max(1, right - left), max(1, bottom - top)))
            ImageDraw.Draw(mask).text((-left, -top), text, fill=255, font=self._font)
            self._labels[text] = (mask, left, top)
        return self._labels[text]

    def width(self, text: str) -> int:
        mask, left, _ = self._mask(text)
        return mask.width + left

    def base(self) -> Image.Image:
        if self._base is None:
            ground = self.ground.resize((self.size, self.size), Image.Resampling.NEAREST)
            if ground.mode == "L":
                base = Image.new("RGB", ground.size, BACKGROUND)
                base.paste(Image.new("RGB", ground.size, GROUND), mask=ground)
            else:
                base = ground.convert("RGB")
            self._base = base
        return self._base

    def px(self, x: float, y: float) -> tuple[int, int]:
        fx, fy = self.bounds.pixel(x, y, self.size)
        return round(fx), round(fy)

    def frame(self, t: int) -> Image.Image:
        image = self.base().copy()
        draw = ImageDraw.Draw(image)
        unit = max(2, self.size // 110)
        for kill in self.kills:
            age = t - kill.time_ms
            if 0 <= age <= KILL_SHOWN_MS and kill.attacker_pos is not None and kill.victim_pos is not None:
                a, v = self.px(*_xy(kill.attacker_pos)), self.px(*_xy(kill.victim_pos))
                draw.line([a, v], fill=KILL_LINE, width=max(1, unit // 2))
                if kill.headshot:
                    r = unit * 2
                    draw.line([(v[0] - r, v[1] - r), (v[0] + r, v[1] + r)], fill=HEADSHOT, width=unit // 2 + 1)
                    draw.line([(v[0] - r, v[1] + r), (v[0] + r, v[1] - r)], fill=HEADSHOT, width=unit // 2 + 1)
        for client in sorted(self.tracks):
            seen = self.tracks[client].at(t)
            if seen is None or seen[3] not in ("axis", "allies"):
                continue
            x, y, yaw, team = seen
            cx, cy = self.px(x, y)
            angle = math.radians(yaw)
            tip = (round(cx + math.cos(angle) * unit * 4), round(cy - math.sin(angle) * unit * 4))
            draw.line([(cx, cy), tip], fill=TEXT, width=max(1, unit // 2))
            if client == self.focus:
                draw.ellipse([cx - unit * 2, cy - unit * 2, cx + unit * 2, cy + unit * 2], outline=TEXT, width=1)
            draw.ellipse([cx - unit, cy - unit, cx + unit, cy + unit], fill=team_colour(team))
            self.label(image, (cx + unit + 2, cy - unit * 3), self.names.get(client, str(client)), TEXT)
        self._feed(image, t)
        seconds = max(0, (t - self.start_ms) // 1000)
        self.label(image, (unit * 2, self.size - unit * 2 - self._font.size), f"{seconds // 60}:{seconds % 60:02d}",
                   TEXT)
        return image

    def _feed(self, image: Image.Image, t: int) -> None:
        recent = [k for k in self.kills if 0 <= t - k.time_ms <= FEED_MS][-5:]
        y = 4
        for kill in recent:
            line = f"{kill.attacker_name} [{kill.weapon}{' HS' if kill.headshot else ''}] {kill.victim_name}"
            self.label(image, (self.size - self.width(line) - 6, y), line, team_colour(kill.attacker_team))
            y += self._font.size + 3


def _xy(pos: Any) -> tuple[float, float]:
    return (pos.x, pos.y) if hasattr(pos, "x") else (pos[0], pos[1])


def times(start_ms: int, end_ms: int, fps: int) -> list[int]:
    """The frame times of a clip at ``fps``: real-time speed."""
    step = 1000 / fps
    return [start_ms + round(i * step) for i in range(max(1, math.floor((end_ms - start_ms) / step) + 1))]

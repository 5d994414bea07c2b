"""Team cohesion and movement: how far each player keeps from their teammates, how far they travel."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..telemetry import RoundTelemetry, Track

DEFINITION = (
    "Team cohesion: at every sampling tick, each alive player's mean distance to their alive teammates (in "
    "metres); a player's cohesion is the mean over the ticks where at least one teammate was alive, a team's the "
    "mean over its players' ticks. Smaller is tighter. Distance travelled adds up the way between consecutive "
    "samples of a life.")
# Buckets of ticks handled at once: the pairwise distances of a chunk stay a few MB even on a full server.
CHUNK = 512


@dataclass(frozen=True, slots=True)
class PlayerMovement:
    guid: str
    team: int
    samples: int
    travelled: float       # game units
    cohesion: float | None  # mean distance to alive teammates (units); None: never a teammate alive
    cohesion_ticks: int


def _travelled(track: Track, sample_ms: int) -> float:
    if len(track) < 2:
        return 0.0
    steps = np.sqrt(np.diff(track.x) ** 2.0 + np.diff(track.y) ** 2.0 + np.diff(track.z) ** 2.0)
    same_life = np.diff(track.t) <= 2 * sample_ms  # a longer gap is a death (or a pause in sampling)
    return float(steps[same_life].sum())


def movement(round_: RoundTelemetry) -> list[PlayerMovement]:
    """One entry per track (player and team)."""
    found = []
    for team in sorted({track.team for track in round_.tracks}):
        tracks = [track for track in round_.tracks if track.team == team]
        sums, ticks = _cohesion(tracks, round_.sample_ms)
        for index, track in enumerate(tracks):
            found.append(PlayerMovement(
                guid=track.guid, team=team, samples=len(track), travelled=_travelled(track, round_.sample_ms),
                cohesion=float(sums[index] / ticks[index]) if ticks[index] else None,
                cohesion_ticks=int(ticks[index])))
    return found


def _cohesion(tracks: list[Track], sample_ms: int) -> tuple[np.ndarray, np.ndarray]:
    """Per track: the sum over ticks of the mean distance to the teammates sampled in that tick, and the
    number of such ticks."""
    n = len(tracks)
    sums, ticks = np.zeros(n), np.zeros(n, dtype=np.int64)
    if n < 2:
        return sums, ticks
    buckets = [track.t // sample_ms for track in tracks]
    first = min(int(b[0]) for b in buckets if len(b))
    last = max(int(b[-1]) for b in buckets if len(b))
    for low in range(first, last + 1, CHUNK):
        high = min(low + CHUNK, last + 1)
        grid = np.full((high - low, n, 3), np.nan)
        for index, (track, bucket) in enumerate(zip(tracks, buckets, strict=True)):
            inside = (bucket >= low) & (bucket < high)
            rows = bucket[inside] - low
            grid[rows, index, 0], grid[rows, index, 1], grid[rows, index, 2] = (
                track.x[inside], track.y[inside], track.z[inside])
        gaps = np.sqrt(((grid[:, :, None, :] - grid[:, None, :, :]) ** 2).sum(axis=3))  # NaN where one is absent
        np.einsum("bii->bi", gaps)[:] = np.nan  # nobody is their own teammate
        counted = ~np.isnan(gaps)
        mates = counted.sum(axis=2)
        means = np.where(mates > 0, np.nansum(gaps, axis=2) / np.maximum(mates, 1), 0.0)
        sums += means.sum(axis=0)
        ticks += (mates > 0).sum(axis=0)
    return sums, ticks

"""A demo's positions kept beside it (numpy, compressed), for renders of any of its clips, and
what they tell beyond the kills: when each player entered play."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .demo import Position, Positions

TEAMS = ("axis", "allies", "spectator", "")
RESPAWN_MOVE = 400.0  # ... or as his body; a spawn puts him this far from where he fell


def save(path: Path, positions: Sequence[Position]) -> None:
    columns = Positions.of(positions)
    # names.TEAMS codes (free, axis, allies, spectators) as this file's TEAMS (which has no "spectators")
    teams = np.array([3, 0, 1, 3], dtype=np.float64)[np.minimum(np.frombuffer(columns.teams, dtype=np.uint8), 3)]
    rows = np.column_stack((np.frombuffer(columns.times, dtype="<i4"),
                            np.frombuffer(columns.clients, dtype=np.uint8), teams,
                            np.frombuffer(columns.places, dtype="<f4").reshape(-1, 5))).astype(np.float64)
    partial = path.with_name(path.name + ".partial.npz")
    np.savez_compressed(partial, positions=rows.reshape(-1, 8))
    partial.replace(path)


def load(path: Path, start_ms: int | None = None, end_ms: int | None = None) -> list[Position]:
    with np.load(path) as found:
        rows = found["positions"]
    if start_ms is not None and end_ms is not None:
        rows = rows[(rows[:, 0] >= start_ms) & (rows[:, 0] <= end_ms)]
    return [Position(int(r[0]), int(r[1]), TEAMS[int(r[2])], float(r[3]), float(r[4]), float(r[5]), float(r[6]),
                     float(r[7])) for r in rows]


def spawns(positions: Sequence[Position], kills: Sequence[Any]) -> dict[int, list[int]]:
    """When each client entered play: his first sample, then after each death the first sample
    that is a while later or far from where he died (not his body still lying there)."""
    deaths: dict[int, list[Any]] = {}
    for kill in kills:
        deaths.setdefault(kill.victim, []).append(kill)
    by_client: dict[int, list[Position]] = {}
    for p in positions:
        if p.team in ("axis", "allies"):
            by_client.setdefault(p.client, []).append(p)
    found: dict[int, list[int]] = {}
    for client, samples in by_client.items():
        samples.sort(key=lambda p: p.time_ms)
        times = [samples[0].time_ms]
        for death in deaths.get(client, ()):
            where = death.victim_pos
            for p in samples:
                if p.time_ms <= death.time_ms:
                    continue
                moved = where is None or ((p.x - where[0]) ** 2 + (p.y - where[1]) ** 2) ** 0.5 > RESPAWN_MOVE
                if moved or p.time_ms - death.time_ms > 30000:
                    times.append(p.time_ms)
                    break
        found[client] = sorted(set(times))
    return found

"""A demo's positions kept beside it (numpy, compressed), for renders of any of its clips, and
what they tell beyond the kills: when each player entered play."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .demo import Position, Positions
from .demo.names import TEAMS as TEAM_CODES

TEAMS = ("axis", "allies", "spectator", "")
# Positions.teams codes (names.TEAMS) as this file's (an unknown name is the last, "").
FILE_TEAM = np.array([TEAMS.index(name) if name in TEAMS else len(TEAMS) - 1 for name in TEAM_CODES], dtype=np.float64)
PLAYING = (TEAM_CODES.index("axis"), TEAM_CODES.index("allies"))  # Positions.teams codes
RESPAWN_MOVE = 400.0  # ... or as his body; a spawn puts him this far from where he fell


def save(path: Path, positions: Sequence[Position]) -> None:
    columns = Positions.of(positions)
    rows = np.empty((len(columns), 8), dtype=np.float64)  # filled column by column: one copy of the data
    rows[:, 0] = np.frombuffer(columns.times, dtype="<i4")
    rows[:, 1] = np.frombuffer(columns.clients, dtype=np.uint8)
    rows[:, 2] = FILE_TEAM[np.frombuffer(columns.teams, dtype=np.uint8)]
    rows[:, 3:] = np.frombuffer(columns.places, dtype="<f4").reshape(-1, 5)
    partial = path.with_name(path.name + ".partial.npz")
    np.savez_compressed(partial, positions=rows)
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
    that is a while later or far from where he died (not his body still lying there).

    Read from the packed columns: a long demo's millions of samples never become objects."""
    deaths: dict[int, list[Any]] = {}
    for kill in kills:
        deaths.setdefault(kill.victim, []).append(kill)
    columns = Positions.of(positions)
    clients = np.frombuffer(columns.clients, dtype=np.uint8)
    teams = np.frombuffer(columns.teams, dtype=np.uint8)
    playing = (teams == PLAYING[0]) | (teams == PLAYING[1])
    times = np.frombuffer(columns.times, dtype="<i4")
    places = np.frombuffer(columns.places, dtype="<f4").reshape(-1, 5)
    found: dict[int, list[int]] = {}
    for client in dict.fromkeys(clients[playing].tolist()):  # in order of first appearance
        mine = np.flatnonzero(playing & (clients == client))
        mine = mine[np.argsort(times[mine], kind="stable")]
        t = times[mine].astype(np.int64)
        x, y = places[mine, 0].astype(np.float64), places[mine, 1].astype(np.float64)
        entered = [int(t[0])]
        for death in deaths.get(client, ()):
            after = int(np.searchsorted(t, death.time_ms, side="right"))
            where = death.victim_pos
            if where is None:
                ready = np.ones(len(t) - after, dtype=bool)
            else:
                ready = np.sqrt((x[after:] - where[0]) ** 2 + (y[after:] - where[1]) ** 2) > RESPAWN_MOVE
            ready |= t[after:] - death.time_ms > 30000
            if ready.any():
                entered.append(int(t[after + int(ready.argmax())]))
        found[client] = sorted(set(entered))
    return found

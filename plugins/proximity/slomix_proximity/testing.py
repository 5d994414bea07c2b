"""Rounds played by our Lua tracker under the fake ``et`` (``slomix.testing.sftp.FakeEt``), for tests and
benchmarks: a scripted :class:`Match` whose answers are known, and :func:`synthetic_round`, a whole
round of players walking a map's corridors, fighting, dying, respawning on the waves and reviving.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from slomix.testing.sftp import (
    CS_LEVEL_START_TIME,
    GS_INTERMISSION,
    GS_PLAYING,
    GS_WARMUP,
    TEAM_ALLIES,
    TEAM_AXIS,
    FakeEt,
)

TRACKER = Path(__file__).resolve().parents[3] / "lua" / "slomix_proximity.lua"
# The seeds configstring of G_loadMatchGame: Allies use seed 5 (60 / 5 → 12 s), Axis seed 7 (34 / 17 → 2 s).
SEEDS = "45 30 55 18 91 70 6 60 7 34"


@dataclass(frozen=True, slots=True)
class Player:
    guid: str
    name: str
    team: int
    player_class: int = 0


class Match:
    """One round on a fake server with the tracker loaded; the test moves players and makes them fight.

    ``t`` is the tracker's round clock (ms since the level started).
    """

    def __init__(self, home: Path, players: Sequence[Player], *, map_name: str = "supply", round_number: int = 1,
                 now: float = 1_760_000_000, axis_limbo_ms: int = 30_000, allies_limbo_ms: int = 20_000,
                 tracker: Path = TRACKER, cvars: dict | None = None) -> None:
        self.et = FakeEt(home, now=now, cvars={"mapname": map_name, "gamestate": GS_WARMUP,
                                               "g_currentRound": 0 if round_number == 1 else 1, **(cvars or {})})
        self.et.scripts = [tracker]
        self.et.load(tracker)
        self.et.set_reinforcements(axis_ms=axis_limbo_ms, allies_ms=allies_limbo_ms, seeds=SEEDS)
        self.players = list(players)
        for slot, player in enumerate(self.players):
            self.et.connect(slot, player.guid, player.name, player.team)
            self.et.clients[slot].player_type = player.player_class
        self.level_start = 0

    @property
    def t(self) -> int:
        return self.et.level_time - self.level_start

    def start(self, positions: Sequence[tuple[float, float, float]] | None = None) -> None:
        """Warmup ends: the map restarts into play and everyone spawns (at ``positions``, by slot)."""
        self.et.set_gamestate(GS_PLAYING)
        self.level_start = self.et.level_time + 1000
        self.et.configstrings[CS_LEVEL_START_TIME] = str(self.level_start)
        self.et.map_restart()
        for slot in range(len(self.players)):
            self.et.spawn(slot, at=positions[slot] if positions else None)
        self.run(1.0)

    def run(self, seconds: float) -> None:
        self.et.run(seconds)

    def move(self, slot: int, x: float, y: float, z: float = 0.0, yaw: float | None = None) -> None:
        self.et.move(slot, x, y, z, yaw=yaw)

    def hit(self, attacker: int, target: int, damage: int, means_of_death: int = 8) -> None:
        self.et.damage(target, attacker, damage, means_of_death)

    def wait_ms(self, team: int, t: int) -> int:
        """What the engine makes a player of ``team`` killed at ``t`` wait: to the next wave."""
        limbo = int(self.et.cvars["g_redlimbotime" if team == TEAM_AXIS else "g_bluelimbotime"])
        return limbo - (self.et.wave_offset(team) + t) % limbo

    def end(self) -> Path:
        """Intermission: the tracker writes its file; returns it."""
        self.et.cvars["g_currentround"] = "1" if self.et.cvars["g_currentround"] == "0" else "0"
        self.et.set_gamestate(GS_INTERMISSION)
        self.run(0.1)
        folder = self.et.homepath / "legacy" / "proximity"
        written = sorted(folder.glob("proximity-*.txt"), key=lambda p: p.stat().st_mtime)
        assert written, f"the tracker wrote nothing: {self.et.console}"
        return written[-1]


# -- a whole synthetic round -------------------------------------------------------------------------

# A small map: nodes (x, y) joined by corridors; each side spawns at one end.
NODES = [(-3000, -2000), (-3000, 0), (-3000, 2000), (-1500, -2000), (-1500, 0), (-1500, 2000), (0, -1000),
         (0, 1000), (1500, -2000), (1500, 0), (1500, 2000), (3000, -2000), (3000, 0), (3000, 2000)]
EDGES = [(0, 1), (1, 2), (0, 3), (1, 4), (2, 5), (3, 4), (4, 5), (3, 6), (4, 6), (4, 7), (5, 7), (6, 7), (6, 8),
         (6, 9), (7, 9), (7, 10), (8, 9), (9, 10), (8, 11), (9, 12), (10, 13), (11, 12), (12, 13)]
SPAWN = {TEAM_AXIS: 1, TEAM_ALLIES: 12}
SPEED = 320.0  # units per second, a running player


def _roster(per_team: int) -> list[Player]:
    players = []
    for index in range(per_team * 2):
        team = TEAM_AXIS if index < per_team else TEAM_ALLIES
        players.append(Player(f"{index + 1:08X}" + "A1B2C3D4E5F60718293A4B5C"[: 24], f"player{index + 1}", team,
                              player_class=1 if index % per_team == 0 else index % 5))
    return players


def synthetic_round(home: Path, *, minutes: float = 20.0, per_team: int = 6, seed: int = 1,
                    map_name: str = "supply", now: float = 1_760_000_000, round_number: int = 1,
                    players: Sequence[Player] | None = None) -> Path:
    """A round of ``minutes`` with ``per_team`` players a side (or ``players``), recorded by the tracker
    from the wall-clock time ``now``; returns its file."""
    rng = random.Random(seed)
    neighbours: dict[int, list[int]] = {}
    for a, b in EDGES:
        neighbours.setdefault(a, []).append(b)
        neighbours.setdefault(b, []).append(a)
    roster = list(players) if players else _roster(per_team)
    match = Match(home, roster, map_name=map_name, now=now, round_number=round_number)
    spawn_at = {slot: _jitter(NODES[SPAWN[p.team]], rng) for slot, p in enumerate(roster)}
    match.start([(*spawn_at[slot], 0.0) for slot in range(len(roster))])
    et = match.et
    where = {slot: NODES[SPAWN[p.team]] for slot, p in enumerate(roster)}
    goal = {slot: rng.choice(neighbours[SPAWN[p.team]]) for slot, p in enumerate(roster)}
    dead_since: dict[int, int] = {}
    frame_s = 0.05
    for _ in range(int(minutes * 60 / frame_s)):
        t = match.t
        for slot, player in enumerate(roster):
            client = et.clients[slot]
            if client.health <= 0:
                if slot not in dead_since:
                    dead_since[slot] = t
                # A medic nearby may revive within 10 s; otherwise the next wave takes them back.
                medic = next((m for m, p in enumerate(roster) if p.team == player.team and p.player_class == 1
                              and m != slot and et.clients[m].health > 0
                              and _near(et.clients[m].origin, client.origin, 300)), None)
                if medic is not None and t - dead_since[slot] < 10_000 and rng.random() < 0.01:
                    et.revive(slot, medic)
                    dead_since.pop(slot)
                elif match.wait_ms(player.team, t) <= 50 and t - dead_since[slot] > 1000:
                    where[slot] = NODES[SPAWN[player.team]]
                    goal[slot] = rng.choice(neighbours[SPAWN[player.team]])
                    et.spawn(slot, at=(*_jitter(where[slot], rng), 0.0))
                    dead_since.pop(slot)
                continue
            x, y, _ = client.origin
            gx, gy = NODES[goal[slot]]
            dx, dy = gx - x, gy - y
            distance = math.hypot(dx, dy)
            step = SPEED * frame_s
            if distance <= step:
                where[slot] = NODES[goal[slot]]
                goal[slot] = rng.choice(neighbours[goal[slot]])
                continue
            yaw = math.degrees(math.atan2(dy, dx))
            et.move(slot, x + dx / distance * step, y + dy / distance * step, 0.0, yaw=yaw)
            client.eflags = 0x10 if rng.random() < 0.05 else 0
        if int(t / 50) % 5 == 0:  # fights, four times a second
            _fight(et, roster, rng)
        et.run(frame_s)
    return match.end()


def _fight(et: FakeEt, roster: list[Player], rng: random.Random) -> None:
    alive = [slot for slot in range(len(roster)) if et.clients[slot].health > 0]
    for attacker in alive:
        for target in alive:
            if (roster[attacker].team != roster[target].team and et.clients[target].health > 0
                    and _near(et.clients[attacker].origin, et.clients[target].origin, 1200) and rng.random() < 0.06):
                et.damage(target, attacker, rng.randint(14, 38), rng.choice((8, 9, 10, 4)))


def _near(a: tuple[float, float, float], b: tuple[float, float, float], within: float) -> bool:
    return math.dist(a[:2], b[:2]) <= within


def _jitter(at: tuple[float, float], rng: random.Random) -> tuple[float, float]:
    return at[0] + rng.uniform(-150, 150), at[1] + rng.uniform(-150, 150)

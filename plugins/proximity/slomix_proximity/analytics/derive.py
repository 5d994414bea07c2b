"""From one round's telemetry to the rows stored for it."""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec
import numpy as np

from ..telemetry import TEAM_ALLIES, TEAM_AXIS, Kill, RoundTelemetry
from . import heat
from .alive import AliveCounts, lives
from .cohesion import PlayerMovement, movement
from .crossfire import Crossfire, crossfires
from .engagements import Engagement, engagements
from .spawntiming import spawn_wait
from .trades import Trade, trades

FIRST_BLOOD_DEFINITION = (
    "First blood: the round's first kill of an enemy. The conversion counts how often the side that drew first "
    "blood won the round (where the round's result is known).")
ADVANTAGE_DEFINITION = (
    "Man advantage: the difference between the numbers of living players of the two sides. Shown: the share of "
    "the round each side spent with more players alive, and kills made while up, even or down in numbers "
    "(counted just before the kill).")


class KillFact(msgspec.Struct, frozen=True, kw_only=True):
    """A kill with what the round knew at that moment."""

    seq: int
    kill: Kill
    axis_alive: int
    allies_alive: int
    spawn_wait_ms: int | None
    spawn_interval_ms: int | None
    first_blood: bool

    @property
    def edge(self) -> int | None:
        """The killer's side's players alive minus the victim's side's, before the kill (None: not an enemy kill)."""
        if self.kill.kind != "enemy":
            return None
        alive = {TEAM_AXIS: self.axis_alive, TEAM_ALLIES: self.allies_alive}
        return alive.get(self.kill.killer_team or 0, 0) - alive.get(self.kill.victim_team, 0)


@dataclass(frozen=True, slots=True)
class PlayerFact:
    guid: str
    team: int
    name: str
    raw_guid: str
    player_class: int
    kills: int
    deaths: int
    alive_ms: int
    movement: PlayerMovement | None


@dataclass(slots=True)
class RoundFacts:
    telemetry: RoundTelemetry
    kills: list[KillFact]
    engagements: list[Engagement]
    trades: list[Trade]
    crossfires: list[Crossfire] | None  # None: no damage recorded
    players: list[PlayerFact]
    advantage_ms: dict[str, int]
    first_blood_team: int | None
    heat: list[tuple[str, str, bytes]] = field(default_factory=list)  # (kind, guid or "" for all, grid)


def derive(round_: RoundTelemetry) -> RoundFacts:
    found = lives(round_)
    alive = AliveCounts(found)
    ordered = sorted(round_.kills, key=lambda k: k.t)
    first = next((k for k in ordered if k.kind == "enemy"), None)
    kills = []
    for seq, kill in enumerate(ordered):
        count = alive.before(kill.t)
        wait = spawn_wait(round_, kill) if kill.kind == "enemy" else None
        kills.append(KillFact(seq=seq, kill=kill, axis_alive=count[TEAM_AXIS], allies_alive=count[TEAM_ALLIES],
                              spawn_wait_ms=wait[0] if wait else None, spawn_interval_ms=wait[1] if wait else None,
                              first_blood=kill is first))
    moved = {(m.guid, m.team): m for m in movement(round_)}
    alive_ms: dict[tuple[str, int], int] = {}
    for life in found:
        alive_ms[life.guid, life.team] = alive_ms.get((life.guid, life.team), 0) + life.end - life.start
    keys = sorted({*alive_ms, *moved, *((p.guid, p.team) for p in round_.players.values())})
    players = []
    for guid, team in keys:
        info = round_.players.get(guid)
        players.append(PlayerFact(
            guid=guid, team=team, name=info.name if info else guid, raw_guid=info.raw_guid if info else guid,
            player_class=info.player_class if info else 0,
            kills=sum(1 for k in ordered if k.killer == guid and k.killer_team == team and k.kind == "enemy"),
            deaths=sum(1 for k in ordered if k.victim == guid and k.victim_team == team),
            alive_ms=alive_ms.get((guid, team), 0), movement=moved.get((guid, team))))
    return RoundFacts(
        telemetry=round_, kills=kills, engagements=engagements(round_), trades=trades(round_),
        crossfires=crossfires(round_) if round_.has("damage") else None, players=players,
        advantage_ms=alive.advantage_ms(round_.duration_ms), first_blood_team=first.killer_team if first else None,
        heat=_heat(round_, ordered))


def _heat(round_: RoundTelemetry, kills: list[Kill]) -> list[tuple[str, str, bytes]]:
    """Kill, death and presence grids for everyone ("") and for each player."""
    grids = []
    scored = [k for k in kills if k.kind == "enemy" and k.killer_at is not None]
    by_player: dict[str, dict[str, list]] = {}
    for kill in scored:
        assert kill.killer is not None and kill.killer_at is not None
        by_player.setdefault(kill.killer, {}).setdefault("kills", []).append(kill.killer_at)
    for kill in kills:
        by_player.setdefault(kill.victim, {}).setdefault("deaths", []).append(kill.victim_at)
    everyone = {"kills": [k.killer_at for k in scored], "deaths": [k.victim_at for k in kills]}
    for guid, kinds in [("", everyone), *sorted(by_player.items())]:
        for kind, points in sorted(kinds.items()):
            if points:
                grids.append((kind, guid, heat.pack([p.x for p in points], [p.y for p in points])))
    if round_.has("samples") and round_.tracks:
        seconds = round_.sample_ms / 1000
        xs = np.concatenate([t.x for t in round_.tracks])
        ys = np.concatenate([t.y for t in round_.tracks])
        grids.append(("presence", "", heat.pack(xs, ys, seconds)))
        per_player: dict[str, list] = {}
        for track in round_.tracks:
            per_player.setdefault(track.guid, []).append(track)
        for guid, tracks in sorted(per_player.items()):
            grids.append(("presence", guid, heat.pack(np.concatenate([t.x for t in tracks]),
                                                      np.concatenate([t.y for t in tracks]), seconds)))
    return grids

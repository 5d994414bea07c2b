"""Typed facts a demo yields (msgspec Structs, schema versioned by SCHEMA_VERSION)."""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator, Sequence
from typing import overload

import msgspec

from .names import TEAMS

#: Bumped whenever a field is added, renamed or changes meaning.
SCHEMA_VERSION = 1

#: The attacker number of a kill with no attacker (fall, drown, map hazards).
WORLD = 1022


class Pov(msgspec.Struct, frozen=True):
    """Who recorded the demo: the client number and its name and team then."""

    client: int
    name: str
    team: str


class Player(msgspec.Struct, frozen=True):
    """One occupant of a client slot, from joining (or the demo's start) to leaving (or its end).

    A slot someone left and another took appears once per occupant. ``name``
    and ``team`` are the last ones; ``names`` and ``teams`` every one, in order.
    """

    client: int
    name: str
    team: str
    guid: str | None = None
    raw_name: str = ""
    player_class: int | None = None
    names: list[str] = []
    teams: list[str] = []
    first_ms: int = 0
    last_ms: int = 0
    xp: int | None = None  # this map's XP in the last scoreboard the demo carries


class Score(msgspec.Struct, frozen=True):
    """The team scores from a scoreboard (``sc0``), recorded when they change."""

    time_ms: int
    axis: int
    allies: int


class Kill(msgspec.Struct, frozen=True):
    """One obituary. ``attacker`` is the victim for a suicide and 1022 for the world.

    ``headshot`` is ``None`` where the demo does not carry that information;
    ``headshot_source`` says where it came from: "obituary", "bullet" or "xpgain".
    """

    time_ms: int
    attacker: int
    victim: int
    attacker_name: str
    victim_name: str
    weapon: str
    mod: str
    headshot: bool | None
    attacker_team: str
    victim_team: str
    attacker_pos: tuple[float, float, float] | None = None
    victim_pos: tuple[float, float, float] | None = None
    attacker_raw_name: str = ""
    victim_raw_name: str = ""
    weapon_id: int = 0
    mod_id: int = 0
    headshot_source: str | None = None


class Chat(msgspec.Struct, frozen=True):
    """A chat line: ``team`` is True for team chat."""

    time_ms: int
    client: int
    name: str
    message: str
    team: bool = False


class Phase(msgspec.Struct, frozen=True):
    """A match phase from ``start_ms`` on: warmup, countdown, playing, intermission..."""

    start_ms: int
    phase: str
    round: int = 0


class Position(msgspec.Struct, frozen=True, array_like=True, gc=False):
    """A visible player's origin and view angles at one snapshot (millions of them: no GC tracking)."""

    time_ms: int
    client: int
    team: str
    x: float
    y: float
    z: float
    yaw: float
    pitch: float


class Positions(msgspec.Struct):
    """Every :class:`Position` of a demo as packed little-endian columns: 26 bytes a sample, not ~165 as
    objects (a 200 MB ETTV demo holds 3 M of them). Reads as a sequence of :class:`Position`, each made on
    access; encodes with the rest of a :class:`Demo` (the columns as bytes).

    ``places`` holds x, y, z, yaw, pitch of each sample in turn, as the demo's single-precision floats;
    ``teams`` are indices into ``names.TEAMS``.
    """

    times: bytearray = msgspec.field(default_factory=bytearray)  # int32: the protocol's server time
    clients: bytearray = msgspec.field(default_factory=bytearray)
    teams: bytearray = msgspec.field(default_factory=bytearray)
    places: bytearray = msgspec.field(default_factory=bytearray)

    @classmethod
    def of(cls, items: Iterable[Position]) -> Positions:
        """Positions held as objects (tests, stored tracks), packed."""
        if isinstance(items, Positions):
            return items
        packed = cls()
        for p in items:
            packed.add(p.time_ms, p.client, TEAMS.index(p.team), PLACE.pack(p.x, p.y, p.z, p.yaw, p.pitch))
        return packed

    def add(self, time_ms: int, client: int, team: int, place: bytes) -> None:
        """One sample; ``place``: the five floats packed as :data:`PLACE`."""
        self.times += TIME.pack(time_ms)
        self.clients.append(client)
        self.teams.append(team)
        self.places += place

    def __len__(self) -> int:
        return len(self.clients)

    @overload
    def __getitem__(self, index: int) -> Position: ...
    @overload
    def __getitem__(self, index: slice) -> list[Position]: ...
    def __getitem__(self, index: int | slice) -> Position | list[Position]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        at = index + len(self) if index < 0 else index
        if not 0 <= at < len(self):
            raise IndexError("position index out of range")
        return Position(TIME.unpack_from(self.times, 4 * at)[0], self.clients[at], TEAMS[self.teams[at]],
                        *PLACE.unpack_from(self.places, 20 * at))

    def __iter__(self) -> Iterator[Position]:
        for (t,), client, team, place in zip(TIME.iter_unpack(self.times), self.clients, self.teams,
                                             PLACE.iter_unpack(self.places), strict=True):
            yield Position(t, client, TEAMS[team], *place)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Positions):
            return (self.times, self.clients, self.teams, self.places) == (
                other.times, other.clients, other.teams, other.places)
        if isinstance(other, Sequence):
            return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))
        return NotImplemented

    def __repr__(self) -> str:
        return f"Positions({len(self)} samples)"


Sequence.register(Positions)

#: Positions' column formats: a server time; x, y, z, yaw, pitch.
TIME = struct.Struct("<i")
PLACE = struct.Struct("<5f")


class Demo(msgspec.Struct):
    """Everything read from one demo file."""

    file: str
    protocol: int
    mod: str
    map: str
    pov: Pov
    start_ms: int
    end_ms: int
    players: list[Player]
    kills: list[Kill]
    chat: list[Chat]
    phases: list[Phase]
    positions: Positions
    mod_version: str = ""
    gametype: int | None = None
    snapshots: int = 0
    size: int = 0
    level_start_ms: int | None = None  # CS_LEVEL_START_TIME: the match clock is time_ms minus this
    scores: list[Score] = []
    schema: int = SCHEMA_VERSION


class CutInfo(msgspec.Struct, frozen=True):
    """What :func:`cut` wrote."""

    out: str
    start_ms: int
    end_ms: int
    snapshots: int
    commands: int
    size: int
    pov: int

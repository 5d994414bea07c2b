"""Typed facts a demo yields (msgspec Structs, schema versioned by SCHEMA_VERSION)."""

from __future__ import annotations

import msgspec

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
    positions: list[Position]
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

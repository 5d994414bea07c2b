"""What the stopwatch answers with: typed results shared by commands, routes and the dashboard."""

from __future__ import annotations

from datetime import datetime

import msgspec

DASH = "\u2013"  # the en dash of a score such as 10-6


class MapResult(msgspec.Struct, frozen=True, kw_only=True):
    """One map of a session (R1 + R2 of one match id) on the BOX scale (spec §4.7).

    ``team1`` is the persistent team ("A"/"B") that attacked in R1. ``r1_basis``/``r2_basis``
    say how the attack was judged: ``surrender``, ``header`` (winner vs defender), ``webhook``,
    ``measured`` (measured time under the limit), ``time`` (header time under the limit) or
    ``none`` (no data: counted as failed). An unfinished map (R1 only) scores nothing.
    """

    seq: int
    match_id: str
    map_name: str
    played_at: datetime
    finished: bool
    r1_round_id: int
    r2_round_id: int | None
    team1: str | None
    r1_success: bool
    r2_success: bool | None
    r1_seconds: int
    r2_seconds: int | None
    r1_basis: str
    r2_basis: str | None
    points_a: int
    points_b: int
    description: str


class TeamView(msgspec.Struct, frozen=True, kw_only=True):
    """One persistent team of a session."""

    team: str
    name: str
    manual_name: bool
    guids: list[str]
    players: list[str]
    colour: int | None = None


class SessionTeams(msgspec.Struct, frozen=True, kw_only=True):
    session_start: datetime
    session_end: datetime
    format: str
    teams: list[TeamView]
    pinned: dict[str, str] = {}
    # A session is its matches: a new one begins when the opponents change (teams.split_matches).
    match: int = 1
    matches: int = 1
    match_start: datetime | None = None


class TeamScore(msgspec.Struct, frozen=True, kw_only=True):
    team: str
    name: str
    points: int
    maps_won: int
    colour: int | None = None


class SessionScore(msgspec.Struct, frozen=True, kw_only=True):
    """A session's stopwatch result: ``winner`` 0 tie, 1 team A, 2 team B; ``score`` reads ``A-B`` with an en dash."""

    session_start: datetime
    session_end: datetime
    format: str
    score: str
    winner: int
    team_a: TeamScore
    team_b: TeamScore
    maps: list[MapResult]
    match: int = 1
    matches: int = 1
    match_start: datetime | None = None

"""A demo read by the demo library (``slomix_greatshot.api``) as rounds of telemetry (source ``demo``).

An ETTV demo sees every player, so its positions are the tracks our Lua tracker would have
sampled, and its obituaries the kills. Each "playing" phase of the demo is a round. What a demo
cannot tell (hits, health, weapon, stance, respawn waves) is left out of ``capabilities``, so the
analyses that need it answer "not recorded".

Clock: times are milliseconds since the round's start (the demo's switch to "playing"; a demo
that starts mid-round counts from its first snapshot). Wall clock: a demo's name written by the
server (``2025-10-12-211804-...``) says when recording started; otherwise the file's modification
time says when it ended.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np

from slomix_greatshot import api as demos

from .telemetry import (
    TEAM_ALLIES,
    TEAM_AXIS,
    Departure,
    Kill,
    PlayerInfo,
    Position,
    RoundTelemetry,
    Spawn,
    Track,
    canonical_guid,
)

CAPABILITIES = frozenset({"samples", "view", "kills"})
TEAMS = {"axis": TEAM_AXIS, "allies": TEAM_ALLIES}
STAMP = re.compile(r"(\d{4})-(\d{2})-(\d{2})-(\d{2})(\d{2})(\d{2})")
# A kill's position is the player's sample nearest the kill, when the obituary carries none.
NEAREST_MS = 1000
# After a death the demo still shows the body. The player lives again when their snapshot jumps this far
# from the one before (a respawn elsewhere) or walks this far from the body (revived): game units.
RESPAWN_JUMP = 200
WALKED_OFF = 48
# A body is shown from the death on; a player first seen again later than this after it is alive.
BODY_MS = 250
# A round the demo shows from at most this long after its level start is taken as seen whole.
LEVEL_START_SLACK_MS = 2000
# Last seen this long before the round's end, a player left.
GONE_MS = 3000


@dataclass(frozen=True, slots=True)
class Anchor:
    """A moment known on both clocks: ``unix`` seconds when the demo's server time was ``server_ms``."""

    unix: float
    server_ms: int


def anchor(demo: demos.Demo, *, name: str, mtime: float | None, timezone: str) -> Anchor:
    """Where the demo sits in wall-clock time: its name's stamp (the recording's start, in the server's
    time zone), else the file's modification time (the recording's end)."""
    found = STAMP.search(name)
    if found:
        try:
            start = datetime(*map(int, found.groups()), tzinfo=ZoneInfo(timezone))
            return Anchor(start.timestamp(), demo.start_ms)
        except ValueError:
            pass  # digits that are no date: not a stamp
    if mtime is None:
        raise ValueError(f"{name}: no time stamp in the name and no file time: the round's time is unknown")
    return Anchor(mtime, demo.end_ms)


def name_key(name: str) -> str:
    """The player key of someone the demo names without a GUID (never an 8-character GUID: it has a dash)."""
    return "N-" + hashlib.sha1(name.strip().casefold().encode()).hexdigest()[:8].upper()


class Keys:
    """Who held each client slot when: the player key of each occupant (a slot someone left and another
    took has one occupant after the other)."""

    def __init__(self, occupants: dict[int, list[tuple[int, str, demos.Player]]]) -> None:
        self._slots = {client: sorted(found, key=lambda o: o[0]) for client, found in occupants.items()}
        self._firsts = {client: [first for first, _, _ in found] for client, found in self._slots.items()}
        self.players = {key: player for found in self._slots.values() for _, key, player in found}
        self._only = {client: found[0][1] for client, found in self._slots.items() if len(found) == 1}

    def at(self, client: int, time_ms: int) -> str | None:
        """The key of the player in ``client`` at ``time_ms`` (None: the slot never held a player)."""
        only = self._only.get(client)
        if only is not None:  # most slots: one occupant all along (31 k positions per 2-minute demo)
            return only
        found = self._slots.get(client)
        if not found:
            return None
        return found[max(bisect.bisect_right(self._firsts[client], time_ms) - 1, 0)][1]


def player_keys(demo: demos.Demo, known: dict[str, str]) -> Keys:
    """Each occupant's player key: the GUID the demo carries, else the GUID of the one player the stats history
    knows by that name (``known``: name casefolded → GUID), else :func:`name_key`."""
    occupants: dict[int, list[tuple[int, str, demos.Player]]] = {}
    for player in demo.players:
        key = (canonical_guid(player.guid) if player.guid
               else known.get(player.name.strip().casefold()) or name_key(player.name))
        occupants.setdefault(player.client, []).append((player.first_ms, key, player))
    return Keys(occupants)


@dataclass(frozen=True, slots=True)
class Window:
    """One round of the demo: server times [start, end) seen, its clock's zero (the level start), its
    number, how it ended."""

    start: int
    end: int
    origin: int
    number: int
    ended: str


def windows(demo: demos.Demo) -> list[Window]:
    """The rounds the demo holds: each "playing" phase up to the next phase (or the demo's end); a demo
    that never shows one is one round from its first snapshot to its last. A round's clock starts at its
    level start where the demo shows it from then, else where the demo first shows the round."""
    phases = sorted(demo.phases, key=lambda p: p.start_ms)
    found = []
    for index, phase in enumerate(phases):
        if phase.phase != "playing":
            continue
        following = phases[index + 1] if index + 1 < len(phases) else None
        start = max(phase.start_ms, demo.start_ms)
        end = following.start_ms if following else demo.end_ms
        ended = following.phase if following and following.phase == "intermission" else "demo end"
        if end > start:
            found.append(Window(start, end, start, phase.round + 1, ended))
    if not found and demo.end_ms > demo.start_ms:  # never "playing" (a warmup, or no phase known): all of it
        found.append(Window(demo.start_ms, demo.end_ms, demo.start_ms, (phases[0].round if phases else 0) + 1,
                            "demo end"))
    return _level_start(found, demo.level_start_ms)


def _level_start(found: list[Window], level_start: int | None) -> list[Window]:
    """The demo's last level start (``CS_LEVEL_START_TIME``) is the clock's zero (the tracker's) of the round
    that began then, when the demo saw that round from (nearly) its start. A round seen from later keeps its
    first snapshot as zero: time the demo did not see must not count (man advantage is shared out over the
    round's length); the cross-check aligns such clocks by the kills."""
    if level_start is None:
        return found
    for index, window in enumerate(found):
        if 0 <= window.start - level_start <= LEVEL_START_SLACK_MS:
            found[index] = Window(window.start, window.end, level_start, window.number, window.ended)
    return found


def thinning(sample_ms: int) -> int:
    """The ``positions`` interval to read a demo with for tracks at ``sample_ms``: twice as fine, so each tick
    has its snapshot and a death its body's (half the memory of every snapshot; 4 samples of 6 091 differ on
    the real ETTV demo)."""
    return max(sample_ms // 2, 1)


def rounds(demo: demos.Demo, *, keys: Keys, at: Anchor, sample_ms: int) -> list[RoundTelemetry]:
    """The demo's rounds as telemetry, one per :func:`windows` entry that saw a player."""
    found = []
    for window in windows(demo):
        telemetry = _round(demo, window, keys, at, sample_ms)
        if telemetry.tracks or telemetry.kills:
            found.append(telemetry)
    return found


def _round(demo: demos.Demo, window: Window, keys: Keys, at: Anchor, sample_ms: int) -> RoundTelemetry:
    end_unix = round(at.unix + (window.end - at.server_ms) / 1000)
    duration = window.end - window.origin
    telemetry = RoundTelemetry(
        source="demo", map_name=demo.map, round_number=window.number, start_unix=end_unix - duration // 1000,
        end_unix=end_unix, duration_ms=duration, sample_ms=sample_ms, capabilities=CAPABILITIES,
        recorder=f"demo {demo.mod} {demo.mod_version}".strip() + f" (protocol {demo.protocol})", ended=window.ended)
    inside: list[tuple[str, demos.Position]] = []
    for p in demo.positions:
        if window.start <= p.time_ms < window.end and p.team in TEAMS:
            key = keys.at(p.client, p.time_ms)
            if key is not None:
                inside.append((key, p))
    kills = [k for k in demo.kills if window.start <= k.time_ms < window.end]
    deaths: dict[str, list[int]] = {}
    for kill in kills:
        victim = keys.at(kill.victim, kill.time_ms)
        if victim is not None:
            deaths.setdefault(victim, []).append(kill.time_ms)
    telemetry.tracks = _tracks(inside, deaths, window.origin, sample_ms)
    samples = {(track.guid, track.team): track for track in telemetry.tracks}
    for kill in kills:
        made = _kill(kill, keys, window.origin, samples)
        if made is None:
            telemetry.dropped += 1
        else:
            telemetry.kills.append(made)
    telemetry.spawns = _spawns(telemetry.tracks, telemetry.kills)
    telemetry.departures = _departures(telemetry.tracks, telemetry.kills, duration)
    teams = {key: TEAMS[p.team] for key, p in inside}  # the team each player was last seen on
    for key, team in teams.items():
        player = keys.players[key]
        telemetry.players[key] = PlayerInfo(guid=key, raw_guid=player.guid or key, name=player.name, team=team,
                                            player_class=player.player_class or 0)
    return telemetry


def _living(found: list[demos.Position], deaths: list[int]) -> list[demos.Position]:
    """A player's snapshots while alive (the tracker samples only the living): after each death the body's
    snapshots are left out until the player respawns (:data:`RESPAWN_JUMP`) or, revived, walks off
    (:data:`WALKED_OFF`). Someone not shown at their death (out of the demo's sight) is alive when seen again."""
    deaths = sorted(deaths)
    kept: list[demos.Position] = []
    body: demos.Position | None = None
    previous: demos.Position | None = None
    d = 0
    for p in found:
        while d < len(deaths) and deaths[d] <= p.time_ms:
            body, d = (p if p.time_ms - deaths[d] <= BODY_MS else None), d + 1
        if body is not None and previous is not None:
            jump = math.hypot(p.x - previous.x, p.y - previous.y, p.z - previous.z)
            if jump < RESPAWN_JUMP and math.hypot(p.x - body.x, p.y - body.y) < WALKED_OFF:
                previous = p
                continue
            body = None
        previous = p
        if body is None:
            kept.append(p)
    return kept


def _tracks(positions: Sequence[tuple[str, demos.Position]], deaths: dict[str, list[int]], origin: int,
            sample_ms: int) -> list[Track]:
    """One track per player and team, alive only: the first snapshot of each ``sample_ms`` tick (the
    tracker's rate). ``deaths``: server times of each player's deaths."""
    by_player: dict[tuple[str, int], list[demos.Position]] = {}
    for key, position in positions:
        by_player.setdefault((key, TEAMS[position.team]), []).append(position)
    tracks = []
    for (guid, team), found in sorted(by_player.items()):
        found = _living(sorted(found, key=lambda p: p.time_ms), deaths.get(guid, []))
        if not found:
            continue
        t = np.array([p.time_ms - origin for p in found], dtype=np.int64)
        _, first = np.unique(t // sample_ms, return_index=True)
        chosen = [found[i] for i in first]
        yaw = np.array([(round(p.yaw) + 180) % 360 - 180 for p in chosen], dtype=np.int16)
        yaw[yaw == -180] = 180  # the tracker's range: (-180, 180]
        tracks.append(Track(
            guid=guid, team=team, t=t[first].astype(np.int32),
            x=np.array([round(p.x) for p in chosen], dtype=np.int32),
            y=np.array([round(p.y) for p in chosen], dtype=np.int32),
            z=np.array([round(p.z) for p in chosen], dtype=np.int32),
            yaw=yaw, pitch=np.array([round(p.pitch) for p in chosen], dtype=np.int16)))
    return tracks


def _nearest(track: Track | None, t: int) -> Position | None:
    if track is None or not len(track):
        return None
    i = int(np.clip(np.searchsorted(track.t, t), 1, len(track) - 1)) if len(track) > 1 else 0
    if len(track) > 1 and abs(int(track.t[i - 1]) - t) <= abs(int(track.t[i]) - t):
        i -= 1
    if abs(int(track.t[i]) - t) > NEAREST_MS:
        return None
    return Position(int(track.x[i]), int(track.y[i]), int(track.z[i]))


def _at(pos: tuple[float, float, float] | None) -> Position | None:
    return None if pos is None else Position(round(pos[0]), round(pos[1]), round(pos[2]))


def _kill(kill: demos.Kill, keys: Keys, origin: int, samples: dict[tuple[str, int], Track]) -> Kill | None:
    """The obituary as the tracker's kill; None when the victim is no player on a side or cannot be placed."""
    victim_team = TEAMS.get(kill.victim_team)
    victim = keys.at(kill.victim, kill.time_ms)
    if victim_team is None or victim is None:
        return None
    t = kill.time_ms - origin
    victim_at = _at(kill.victim_pos) or _nearest(samples.get((victim, victim_team)), t)
    if victim_at is None:
        return None
    killer = None if kill.attacker == demos.WORLD else keys.at(kill.attacker, kill.time_ms)
    killer_team = TEAMS.get(kill.attacker_team) if killer is not None else None
    killer_at = None
    if killer is not None:
        killer_at = victim_at if killer == victim else (
            _at(kill.attacker_pos) or _nearest(samples.get((killer, killer_team or 0)), t))
    return Kill(t=t, victim=victim, victim_team=victim_team, victim_at=victim_at, killer=killer,
                killer_team=killer_team, killer_at=killer_at, mod=kill.mod_id)


def _departures(tracks: Iterable[Track], kills: list[Kill], duration: int) -> list[Departure]:
    """Players last seen alive more than :data:`GONE_MS` before the end, and not because they died then."""
    deaths: dict[tuple[str, int], list[int]] = {}
    for kill in kills:
        deaths.setdefault((kill.victim, kill.victim_team), []).append(kill.t)
    found = []
    for track in tracks:
        last = int(track.t[-1])
        died = any(0 <= t - last <= NEAREST_MS for t in deaths.get((track.guid, track.team), []))
        if duration - last > GONE_MS and not died:
            found.append(Departure(t=last, guid=track.guid, team=track.team))
    return found


def _spawns(tracks: Iterable[Track], kills: list[Kill]) -> list[Spawn]:
    """Lives as the analyses count them: a life starts at a player's first sample, and at their first sample
    after each of their deaths (a demo shows no spawn as such; the tracks hold the living only)."""
    deaths: dict[tuple[str, int], list[int]] = {}
    for kill in kills:
        deaths.setdefault((kill.victim, kill.victim_team), []).append(kill.t)
    found = []
    for track in tracks:
        if not len(track):
            continue
        starts = {0}
        for death in deaths.get((track.guid, track.team), []):
            later = int(np.searchsorted(track.t, death, side="right"))
            if later < len(track):
                starts.add(later)
        found.extend(Spawn(t=int(track.t[i]), guid=track.guid, team=track.team, player_class=0,
                           at=Position(int(track.x[i]), int(track.y[i]), int(track.z[i]))) for i in sorted(starts))
    return sorted(found, key=lambda s: (s.t, s.guid))

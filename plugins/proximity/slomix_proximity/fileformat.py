"""Reading the file ``lua/slomix_proximity.lua`` writes (format 1, see ``FORMAT.md``).

``parse_file(data, name)`` gives a :class:`~slomix_proximity.telemetry.RoundTelemetry` or raises
:class:`ProximityFileError` naming the file, the line and what is wrong. The samples (nine
lines in ten) are read in one pass by numpy; every other line is read and checked by itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .telemetry import (
    TEAM_ALLIES,
    TEAM_AXIS,
    TEAM_SPECTATOR,
    Damage,
    Departure,
    Kill,
    Objective,
    PlayerInfo,
    Position,
    Revive,
    RoundTelemetry,
    Spawn,
    Track,
    WaveRule,
    canonical_guid,
)

FORMAT_VERSION = 1
NAME = re.compile(r"proximity-(?P<map>[A-Za-z0-9_-]+)-R(?P<round>\d)-(?P<end>\d{9,11})\.txt")
MAX_SLOTS = 64
HEADER_KEYS = ("tracker", "map", "round", "start_unix", "sample_ms", "capabilities", "samples")
FOOTER_KEYS = ("end", "end_unix", "duration_ms", "lines", "dropped")
SAMPLE_COLUMNS = {"t", "slot", "x", "y", "z", "yaw", "pitch", "health", "weapon", "stance"}
# Fields of each event line after its letter (the sample line is declared by the header).
FIELDS = {"P": 6, "L": 4, "W": 7, "R": 6, "D": 11, "K": 11, "O": 7, "X": 2}


class ProximityFileError(ValueError):
    """A proximity file that cannot be read; ``str()`` names the file and, where it can, the line."""

    def __init__(self, file: str, message: str, line: int | None = None) -> None:
        self.file, self.message, self.line = file, message, line
        super().__init__(f"{file} line {line}: {message}" if line else f"{file}: {message}")


def is_proximity_file(name: str) -> bool:
    return NAME.fullmatch(name) is not None


@dataclass(slots=True)
class _Slot:
    """Who plays in a slot from a given line on."""

    line: int
    guid: str
    team: int


class _Reader:
    def __init__(self, name: str) -> None:
        self.name = name
        self.slots: dict[int, list[_Slot]] = {}
        self.players: dict[str, PlayerInfo] = {}
        self.raw_of: dict[str, str] = {}

    def fail(self, message: str, line: int | None = None) -> ProximityFileError:
        return ProximityFileError(self.name, message, line)

    def integer(self, text: str, what: str, line: int, low: int = -(2**31), high: int = 2**31 - 1) -> int:
        try:
            value = int(text)
        except ValueError:
            raise self.fail(f"{what} is {text!r}, not a whole number", line) from None
        if not low <= value <= high:
            raise self.fail(f"{what} {value} is outside {low}..{high}", line)
        return value

    def optional(self, text: str, what: str, line: int) -> int | None:
        return None if text == "-" else self.integer(text, what, line)

    def position(self, fields: list[str], what: str, line: int) -> Position | None:
        if fields == ["-", "-", "-"]:
            return None
        x, y, z = (self.integer(v, f"{what} {axis}", line) for v, axis in zip(fields, "xyz", strict=True))
        return Position(x, y, z)

    def required_position(self, fields: list[str], what: str, line: int) -> Position:
        found = self.position(fields, what, line)
        if found is None:
            raise self.fail(f"{what} position is missing", line)
        return found

    def slot(self, text: str, line: int) -> int:
        return self.integer(text, "slot", line, 0, MAX_SLOTS - 1)

    def who(self, slot: int, line: int) -> _Slot:
        """The player in ``slot`` at ``line``: the slot's last P line before it."""
        entries = self.slots.get(slot)
        if not entries:
            raise self.fail(f"slot {slot} is used before a P line names its player", line)
        entry = entries[-1]
        if entry.team not in (TEAM_AXIS, TEAM_ALLIES):
            raise self.fail(f"slot {slot} is not on a team (spectator since line {entry.line})", line)
        return entry

    def client(self, text: str, line: int) -> _Slot | None:
        """An entity that may be a player (0..63; whatever their team now) or not (the world is 1022)."""
        number = self.integer(text, "entity", line, -1, 1023)
        if not 0 <= number < MAX_SLOTS:
            return None
        entries = self.slots.get(number)
        if not entries:
            raise self.fail(f"slot {number} is used before a P line names its player", line)
        return entries[-1]

    def identity(self, f: list[str], line: int) -> _Slot | None:
        """A P line; returns whom the slot held before, if they were on a team."""
        slot = self.slot(f[2], line)
        raw = f[3]
        if not re.fullmatch(r"[A-Za-z0-9]{1,32}", raw):
            raise self.fail(f"GUID {raw!r} is not 1 to 32 letters and digits", line)
        team = self.integer(f[4], "team", line, 0, TEAM_SPECTATOR)
        player_class = self.integer(f[5], "class", line, 0, 4)
        guid = canonical_guid(raw)
        if self.raw_of.setdefault(guid, raw) != raw:
            # Two players whose GUIDs share the first 8 characters (spec §1.10.13): keep them apart.
            guid = f"{guid}-{raw[8:16].upper()}"
        entries = self.slots.setdefault(slot, [])
        before = entries[-1] if entries and entries[-1].team in (TEAM_AXIS, TEAM_ALLIES) else None
        entries.append(_Slot(line, guid, team))
        if team in (TEAM_AXIS, TEAM_ALLIES):
            self.players[guid] = PlayerInfo(guid=guid, raw_guid=raw, name=f[6], team=team, player_class=player_class)
        return before


def _header(lines: list[str], reader: _Reader) -> tuple[dict[str, str], int]:
    if not lines or not lines[0].startswith("# slomix-proximity "):
        raise reader.fail("not a Slomix proximity file (the first line is not '# slomix-proximity <version>')", 1)
    version = lines[0].removeprefix("# slomix-proximity ").strip()
    if version != str(FORMAT_VERSION):
        raise reader.fail(f"format version {version!r} is not one this Slomix reads ({FORMAT_VERSION})", 1)
    header: dict[str, str] = {}
    index = 1
    while index < len(lines) and lines[index].startswith("# "):
        key, sep, value = lines[index][2:].partition("=")
        if not sep:
            raise reader.fail(f"header line {lines[index]!r} is not '# key=value'", index + 1)
        header[key] = value
        index += 1
    missing = [k for k in HEADER_KEYS if k not in header]
    if missing:
        raise reader.fail(f"the header lacks {', '.join(missing)}", index)
    return header, index


def _footer(lines: list[str], reader: _Reader) -> tuple[dict[str, str], int]:
    end = len(lines)
    while end > 0 and lines[end - 1] == "":
        end -= 1
    start = end
    while start > 0 and lines[start - 1].startswith("# "):
        start -= 1
    footer = dict(line[2:].partition("=")[::2] for line in lines[start:end])
    if any(k not in footer for k in FOOTER_KEYS):
        raise reader.fail("the file ends before its footer ('# end=…', '# lines=…'): it was cut short "
                          "(the server stopped mid-round, or the copy is incomplete)", end)
    return footer, start


def parse_file(data: bytes, name: str) -> RoundTelemetry:
    """The round recorded in a proximity file; raises :class:`ProximityFileError`."""
    reader = _Reader(name)
    if b"\x00" in data:
        raise reader.fail("the file holds NUL bytes: it is damaged (or not text)")
    # Names are whatever bytes the players chose: read them as Latin-1 when they are no UTF-8.
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    lines = text.split("\n")
    header, body_start = _header(lines, reader)
    footer, body_end = _footer(lines, reader)
    if body_end < body_start:
        raise reader.fail("the header and the footer overlap", body_start)
    line_of = body_start + 1  # file line numbers are 1-based

    def number(mapping: dict[str, str], key: str, low: int, high: int) -> int:
        return reader.integer(mapping[key], key, body_start if mapping is header else body_end + 1, low, high)

    round_number = number(header, "round", 1, 9)
    sample_ms = number(header, "sample_ms", 1, 60_000)
    columns = header["samples"].split(",")
    if columns[:5] != ["t", "slot", "x", "y", "z"] or not set(columns) <= SAMPLE_COLUMNS or \
            len(set(columns)) != len(columns):
        raise reader.fail(f"samples={header['samples']!r}: the sample columns must start with t,slot,x,y,z and "
                          f"use only {', '.join(sorted(SAMPLE_COLUMNS))}", body_start)
    declared_lines = number(footer, "lines", 0, 100_000_000)
    if declared_lines != body_end - body_start:
        raise reader.fail(f"the footer counts {declared_lines} lines but the file holds {body_end - body_start}: "
                          "it is damaged", body_end + 1)

    telemetry = RoundTelemetry(
        source="lua", map_name=header["map"], round_number=round_number,
        start_unix=number(header, "start_unix", 0, 2**40), end_unix=number(footer, "end_unix", 0, 2**40),
        duration_ms=number(footer, "duration_ms", 0, 2**31 - 1), sample_ms=sample_ms,
        capabilities=frozenset(c for c in header["capabilities"].split(",") if c), recorder=header["tracker"],
        ended=footer["end"], dropped=number(footer, "dropped", 0, 2**31 - 1))
    handlers = _handlers(reader, telemetry)
    body = lines[body_start:body_end]
    # Nine lines in ten are samples. Which lines are, and how many tabs each line holds, is read off
    # the bytes by numpy (a newline is one byte in UTF-8 and in Latin-1 alike, so line i is line i).
    raw = np.frombuffer(data, dtype=np.uint8)
    # The footer follows the body, so every body line has at least two bytes after its start.
    starts = np.concatenate(([0], np.flatnonzero(raw == 10) + 1))[body_start:body_end]
    is_sample = (raw[starts] == ord("S")) & (raw[starts + 1] == 9)
    tabs = np.add.reduceat(raw == 9, starts, dtype=np.int64) if len(starts) else starts
    events = np.flatnonzero(~is_sample).tolist()
    sample_lines = np.flatnonzero(is_sample) + line_of
    wrong = np.flatnonzero(is_sample & (tabs != len(columns)))
    if wrong.size:
        bad = int(wrong[0])
        raise reader.fail(f"an S line has {len(columns)} fields ({','.join(columns)}), this one {int(tabs[bad])}",
                          line_of + bad)
    for offset in events:
        at, line = line_of + offset, body[offset]
        fields = line.split("\t")
        kind = fields[0]
        if kind not in FIELDS:
            raise reader.fail(f"unknown line type {kind[:12]!r}", at)
        # A name or a console text (the last field) may hold anything but a tab.
        if len(fields) != FIELDS[kind] + 1:
            raise reader.fail(f"a {kind} line has {FIELDS[kind]} fields, this one {len(fields) - 1}", at)
        handlers[kind](fields, at)
    telemetry.players = reader.players
    telemetry.tracks = _tracks(reader, columns, body, sample_lines, line_of)
    return telemetry


def _handlers(r: _Reader, out: RoundTelemetry) -> dict[str, Callable[[list[str], int], None]]:
    def time(text: str, line: int) -> int:
        return r.integer(text, "time", line, 0)

    def identity(f: list[str], line: int) -> None:
        before = r.identity(f, line)
        now = r.slots[r.slot(f[2], line)][-1]
        if before is not None and (now.guid, now.team) != (before.guid, before.team):
            out.departures.append(Departure(t=time(_t(f), line), guid=before.guid, team=before.team))

    def waves(f: list[str], line: int) -> None:
        team = r.integer(f[2], "team", line, TEAM_AXIS, TEAM_ALLIES)
        out.waves.append(WaveRule(t=time(_t(f), line), team=team, limbo_ms=r.optional(f[3], "limbo", line),
                                  offset_ms=r.optional(f[4], "offset", line)))

    def spawn(f: list[str], line: int) -> None:
        who = r.who(r.slot(f[2], line), line)
        out.spawns.append(Spawn(t=time(_t(f), line), guid=who.guid, team=who.team,
                                player_class=r.integer(f[4], "class", line, 0, 4),
                                at=r.required_position(f[5:8], "spawn", line)))

    def revive(f: list[str], line: int) -> None:
        who = r.who(r.slot(f[2], line), line)
        medic = None if f[3] == "-" else r.client(f[3], line)
        out.revives.append(Revive(t=time(_t(f), line), guid=who.guid, team=who.team,
                                  medic=medic.guid if medic else None, at=r.required_position(f[4:7], "revive", line)))

    def damage(f: list[str], line: int) -> None:
        attacker = r.client(f[2], line)
        target = r.who(r.slot(f[3], line), line)
        out.damage.append(Damage(
            t=time(_t(f), line), target=target.guid, target_team=target.team,
            target_at=r.required_position(f[9:12], "target", line),
            attacker=attacker.guid if attacker else None, attacker_team=attacker.team if attacker else None,
            attacker_at=r.position(f[6:9], "attacker", line) if attacker else None,
            damage=r.integer(f[4], "damage", line, 0, 100_000), mod=r.integer(f[5], "means of death", line, 0, 1000)))

    def kill(f: list[str], line: int) -> None:
        victim = r.who(r.slot(f[2], line), line)
        killer = r.client(f[3], line)
        out.kills.append(Kill(
            t=time(_t(f), line), victim=victim.guid, victim_team=victim.team,
            victim_at=r.required_position(f[5:8], "victim", line),
            killer=killer.guid if killer else None, killer_team=killer.team if killer else None,
            killer_at=r.position(f[8:11], "killer", line) if killer else None,
            mod=r.integer(f[4], "means of death", line, 0, 1000)))

    def objective(f: list[str], line: int) -> None:
        number = r.integer(f[3], "slot", line, -1, 1023)
        who = r.slots.get(number, [None])[-1] if 0 <= number < MAX_SLOTS else None
        out.objectives.append(Objective(t=time(_t(f), line), kind=f[2][:32], guid=who.guid if who else None,
                                        team=who.team if who else None, at=r.position(f[4:7], "objective", line),
                                        text=f[7][:200]))

    def departure(f: list[str], line: int) -> None:
        slot = r.slot(f[2], line)
        entries = r.slots.get(slot)
        if entries:
            out.departures.append(Departure(t=time(_t(f), line), guid=entries[-1].guid, team=entries[-1].team))
            entries.append(_Slot(line, entries[-1].guid, 0))

    return {"P": identity, "L": waves, "W": spawn, "R": revive, "D": damage, "K": kill, "O": objective,
            "X": departure}


def _t(fields: list[str]) -> str:
    return fields[1]


def _tracks(r: _Reader, columns: list[str], body: list[str], lines: np.ndarray, first: int) -> list[Track]:
    """All sample lines at once (``lines``: their file line numbers; ``first``: that of ``body[0]``).
    A line numpy cannot read is found again and named."""
    if not lines.size:
        return []
    samples = [body[i] for i in (lines - first).tolist()]
    try:
        table = np.loadtxt(samples, dtype=np.int64, delimiter="\t", ndmin=2, comments=None,
                           usecols=range(1, len(columns) + 1))
    except ValueError:
        for text, line in zip(samples, lines.tolist(), strict=True):
            for value, column in zip(text.split("\t")[1:], columns, strict=True):
                r.integer(value, column, line)
        raise r.fail("the samples cannot be read", int(lines[0])) from None
    col = {name: table[:, i] for i, name in enumerate(columns)}
    limits = {"slot": (0, MAX_SLOTS - 1), "t": (0, 2**31 - 1), "x": (-2**31, 2**31 - 1), "y": (-2**31, 2**31 - 1),
              "z": (-2**31, 2**31 - 1), "yaw": (-180, 180), "pitch": (-180, 180), "health": (-1000, 10_000),
              "weapon": (0, 255), "stance": (0, 2)}
    for name, values in col.items():
        low, high = limits[name]
        bad = np.flatnonzero((values < low) | (values > high))
        if bad.size:
            raise r.fail(f"{name} {values[bad[0]]} is outside {low}..{high}", lines[bad[0]])
    line_numbers = lines
    tracks: dict[tuple[str, int], list[np.ndarray]] = {}
    for slot in np.unique(col["slot"]):
        rows = np.flatnonzero(col["slot"] == slot)
        entries = r.slots.get(int(slot), [])
        starts = np.asarray([e.line for e in entries])
        which = np.searchsorted(starts, line_numbers[rows], side="right") - 1
        if entries == [] or which[0] < 0:
            raise r.fail(f"slot {slot} is sampled before a P line names its player", int(line_numbers[rows[0]]))
        for index in np.unique(which):
            entry = entries[index]
            picked = rows[which == index]
            if entry.team not in (TEAM_AXIS, TEAM_ALLIES):
                raise r.fail(f"slot {slot} is sampled while not on a team", int(line_numbers[picked[0]]))
            tracks.setdefault((entry.guid, entry.team), []).append(picked)
    out = []
    for (guid, team), parts in tracks.items():
        rows = np.sort(np.concatenate(parts))
        arrays = {name: values[rows].astype(np.int32) for name, values in col.items() if name != "slot"}
        out.append(Track(guid=guid, team=team, **arrays))
    return sorted(out, key=lambda track: (track.guid, track.team))

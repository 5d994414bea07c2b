"""Parse the stats file the game server's Lua writes after each round (spec §1).

Hot path: ~10 players per file, each line split once per separator, numbers converted with
``map`` over slices chosen by a per-version table (layout.py), structs built positionally.
Anything unexpected raises ParseError naming the 1-based line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable

import msgspec

from .errors import ParseError
from .filenames import parse_filename
from .layout import COUNT, LAYOUTS, V8_NAMES, WEAPON_NAMES
from .metrics import bot_guid, clean_name, parse_mss
from .models import Header, PlayerRound, StatsFile, Weapon

__all__ = ["decode_text", "parse_header", "parse_stats"]

DEFAULT_DURATION = 300  # spec §1.11: f8 of 0 means "unknown", the predecessor assumed 5 min
PLAYTIME_MS_THRESHOLD = 10_000  # spec §1.3: f9 above this is milliseconds
_GUID_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
_BULLETS = V8_NAMES.index("bullets_fired")
_MINUTES = V8_NAMES.index("time_played_minutes")
_masks: dict[int, tuple[str, ...]] = {}


def parse_stats(data: bytes | str, filename: str) -> StatsFile:
    """Parse one stats file. ``filename`` is the bare name (it carries date, map and round)."""
    info = parse_filename(filename)
    if info.kind != "stats":
        raise ParseError(filename, f"{info.kind} file name, expected a stats file name")
    lines = decode_text(data, filename).split("\n")
    header = parse_header(lines[0].rstrip("\r"), filename)
    duration = _duration(header)
    players: list[PlayerRound] = []
    version: int | None = None
    for index in range(1, len(lines)):
        line = lines[index]
        if not line or line.isspace():
            continue
        player, count = _player(line, index + 1, filename, duration)
        if version is None:
            version = count
        elif count != version:
            raise ParseError(filename, f"{count} extended fields, but earlier lines have {version}",
                             index + 1)
        players.append(player)
    return StatsFile(filename, info.map, info.round_number, header, version, duration, players)


def decode_text(data: bytes | str, filename: str) -> str:
    """UTF-8, else Latin-1 (old clients send 8-bit names; one odd byte must not lose a round)."""
    if isinstance(data, str):
        text = data
    elif isinstance(data, (bytes, bytearray, memoryview)):
        raw = bytes(data)
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
    else:
        raise ParseError(filename, f"expected bytes or str, got {type(data).__name__}")
    if not text.strip():
        raise ParseError(filename, "empty file")
    nul = text.find("\0")
    if nul >= 0:
        raise ParseError(filename, "NUL character", text.count("\n", 0, nul) + 1)
    return text


def parse_header(line: str, filename: str) -> Header:
    """Line 1: ``server\\map\\config\\round\\defender\\winner\\limit\\next_limit[\\playtime_ms]``."""
    fields = line.split("\\")
    if len(fields) not in (8, 9):
        raise ParseError(filename, f"header has {len(fields)} backslash-separated fields, expected 8 or 9", 1)
    server, map_name, config, round_text, defender_text, winner_text, limit, next_limit = fields[:8]
    diagnostics: list[str] = []
    defender = _team_field(defender_text, "defender", (1, 2), 1, diagnostics)
    winner = _team_field(winner_text, "winner", (0, 1, 2), 0, diagnostics)
    round_text = round_text.strip()
    header_round = int(round_text) if round_text.isdigit() and len(round_text) < 4 else None
    playtime = _playtime(fields[8]) if len(fields) == 9 else None
    return Header(server, map_name, config, header_round, defender, winner, parse_mss(limit),
                  parse_mss(next_limit), playtime, len(fields), tuple(diagnostics))


def _team_field(text: str, name: str, valid: tuple[int, ...], default: int, diagnostics: list[str]) -> int:
    text = text.strip()
    if not text:
        diagnostics.append(f"{name}_missing")
        return default
    if not (text.isdigit() and text.isascii()) or len(text) > 9:
        diagnostics.append(f"{name}_non_numeric")
        return default
    value = int(text)
    if value not in valid:
        diagnostics.append(f"{name}_out_of_range")
        return default
    return value


def _playtime(text: str) -> float | None:
    """f9: unknown when not a positive finite number; > 10 000 means ms (spec §1.3)."""
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value) or value <= 0:
        return None
    return value / 1000 if value > PLAYTIME_MS_THRESHOLD else value


def _duration(header: Header) -> int:
    """Round duration (spec §1.11): f9, else f8 (300 when 0), capped at f7."""
    if header.playtime_seconds is not None:
        seconds = int(header.playtime_seconds)
    else:
        seconds = header.next_time_limit_seconds or 0
    if seconds <= 0:
        seconds = DEFAULT_DURATION
    limit = header.time_limit_seconds
    if limit and seconds > limit:
        seconds = limit
    return seconds


def _weapon_names(mask: int) -> tuple[str, ...]:
    names = _masks.get(mask)
    if names is None:
        names = tuple(WEAPON_NAMES[bit] for bit in range(28) if mask >> bit & 1)
        _masks[mask] = names
    return names


def _player(line: str, number: int, filename: str, duration: int) -> tuple[PlayerRound, int]:
    parts = line.split("\\")
    if len(parts) != 5:
        raise ParseError(filename, f"player line has {len(parts)} backslash-separated parts, expected 5",
                         number)
    raw_guid, name, rounds_text, team_text, block = parts
    raw_guid = raw_guid.upper()
    if not 0 < len(raw_guid) <= 8 or raw_guid.strip(_GUID_CHARS):
        raise ParseError(filename, f"invalid GUID {raw_guid[:40]!r}", number)
    try:
        rounds = int(rounds_text)
        team = int(team_text)
    except ValueError:
        raise ParseError(filename, "rounds and team must be integers", number) from None
    if not 0 <= team <= 3 or not 0 <= rounds <= 1000:
        raise ParseError(filename, f"team {team} or rounds {rounds} out of range", number)

    mask_text = block[:block.find(" ")]
    if not (mask_text.isdigit() and mask_text.isascii() and len(mask_text) <= 9):
        raise ParseError(filename, f"weapon mask {mask_text[:40]!r} is not a number", number)
    mask = int(mask_text)
    if mask >> 28:
        raise ParseError(filename, f"weapon mask {mask} outside 28 bits", number)
    names = _weapon_names(mask)
    weapon_count = len(names)
    body_source = block
    if "\t" in block:
        count = block.count("\t")  # every extended field follows a TAB
        body = block.replace(" \t", ",").replace("\t", ",").replace(" ", ",")
    else:  # c0rnp0rn2 wrote the extended fields space-separated after the weapons
        tokens = block.split()
        count = len(tokens) - 1 - 5 * weapon_count
        body = ",".join(tokens)
    if "," in body_source:  # JSON would take a stray comma for a separator
        raise ParseError(filename, "unexpected ',' in the stats block", number)
    reader = _readers.get((count, weapon_count))
    if reader is None:
        reader = _reader(count, weapon_count, filename, number)
    decoder, pick = reader
    try:
        values = decoder.decode(f"[{body}]")
    except msgspec.DecodeError as exc:
        raise ParseError(filename, _bad_number(exc, count, weapon_count), number) from None

    split = 1 + 5 * weapon_count
    numbers = iter(values[1:split])  # five at a time: hits, shots, kills, deaths, headshots
    weapons = dict(zip(names, map(Weapon, numbers, numbers, numbers, numbers, numbers)))
    ext = values[split:]
    if pick is not None:
        ext = pick(ext + (None,))
        # Before c0rnp0rn8 the Lua re-added every 5-s snapshot into TAB20 (29 157 "bullets"
        # in a 9.8-min round, spec §1.7): the weapon shots are the real count.
        ext = (*ext[:_BULLETS], sum(values[2:split:5]), *ext[_BULLETS + 1:])

    clean = clean_name(name)
    if raw_guid.startswith("OMNIBOT"):
        guid, is_bot = bot_guid(raw_guid, clean), True
    else:
        guid, is_bot = raw_guid, clean[:1] == "[" and clean[:5].upper() == "[BOT]"
    minutes = ext[_MINUTES]
    # = minutes_to_seconds(minutes), inlined: exact int(minutes * 60) for 0.1-min values
    seconds = round(minutes * 10) * 6 if minutes is not None and minutes > 0 else duration
    player = PlayerRound(guid, raw_guid, name, clean, rounds, team, is_bot, sum(values[3:split:5]),
                         sum(values[4:split:5]), sum(values[5:split:5]), *ext, seconds, weapons)
    return player, count


# One typed decoder per (extended field count, weapon count), with the version's ``pick``:
# the mask and weapon tuples are non-negative ints, the extended fields have their version's
# int/float types (layout.py). At most 6 x 29 entries.
_readers: dict[tuple[int, int], tuple[msgspec.json.Decoder, Callable | None]] = {}


def _reader(count: int, weapon_count: int, filename: str, number: int):
    layout = LAYOUTS.get(count)
    if layout is None:
        raise ParseError(filename, f"{count} extended fields; known versions have 32, 33, 35, 36, 37 or 38",
                         number)
    types = (COUNT,) * (1 + 5 * weapon_count) + layout.types
    reader = _readers[count, weapon_count] = (msgspec.json.Decoder(tuple[types]), layout.pick)
    return reader


_POSITION = re.compile(r"\$\[(\d+)\]")


def _bad_number(exc: msgspec.DecodeError, count: int, weapon_count: int) -> str:
    """Say which number msgspec rejected (its message ends with ``at `$[k]```)."""
    message = str(exc).replace("`", "'")
    m = _POSITION.search(message)
    if m is None:
        return f"stats block is not a list of numbers: {message[:120]}"
    position, why = int(m.group(1)), message.split(" - at ")[0][:120]
    split = 1 + 5 * weapon_count
    if position < split:
        return f"weapon number {position}: {why}"
    field = position - split
    return f"extended field {field} ({LAYOUTS[count].label(field)}): {why}"

"""Parse the stats file the game server's Lua writes after each round (spec §1).

Hot path (~7 players per file, ~10 000 files/s on one core): each player line is split once
on backslashes, its numbers (rounds, team, weapon mask and tuples, extended fields) are
decoded as ONE JSON array by a msgspec decoder typed for that version and weapon count (types
and ranges checked in C), and the structs are built positionally. Anything unexpected raises
ParseError naming the 1-based line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Annotated

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
    defender = _DEFENDERS.get(defender_text) or _team_field(defender_text, "defender", (1, 2), 1, diagnostics)
    winner = _WINNERS.get(winner_text)
    if winner is None:
        winner = _team_field(winner_text, "winner", (0, 1, 2), 0, diagnostics)
    round_text = round_text.strip()
    header_round = int(round_text) if round_text.isdigit() and len(round_text) < 4 else None
    playtime = _playtime(fields[8]) if len(fields) == 9 else None
    return Header(server, map_name, config, header_round, defender, winner, parse_mss(limit),
                  parse_mss(next_limit), playtime, len(fields), tuple(diagnostics) if diagnostics else ())


_DEFENDERS = {"1": 1, "2": 2}  # the usual values, without the diagnostics path
_WINNERS = {"0": 0, "1": 1, "2": 2}


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
        if len(_masks) < 8192:  # real files use a few hundred masks; junk must not grow it
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
    if "," in block:  # the numbers are decoded as one JSON array: a comma would separate
        raise ParseError(filename, "unexpected ',' in the stats block", number)

    # rounds, team, mask, 5 numbers per weapon, the extended fields: one typed JSON array.
    tab = block.find("\t")
    if tab > 0:
        # mask and weapon numbers, each followed by one space (the last by " \t")
        weapon_count, extra = divmod(block.count(" ", 0, tab) + (block[tab - 1] != " ") - 1, 5)
        count = block.count("\t", tab)  # every extended field follows a TAB
        body = block.replace(" \t", ",").replace("\t", ",").replace(" ", ",")
    else:  # c0rnp0rn2 wrote the extended fields space-separated after the weapons
        weapon_count, extra, count, body = _legacy_block(block)
    if extra or not 0 <= weapon_count <= 28:
        raise ParseError(filename, f"weapon section holds {5 * weapon_count + extra} numbers after the mask, "
                         "expected 5 per weapon", number)
    reader = _readers.get((count, weapon_count))
    if reader is None:
        reader = _reader(count, weapon_count, filename, number)
    decoder, pick = reader
    try:
        values = decoder.decode(f"[{rounds_text},{team_text},{body}]")
    except msgspec.DecodeError as exc:
        raise ParseError(filename, _bad_number(exc, count, weapon_count, f"{rounds_text},{team_text},{body}"),
                         number) from None
    names = _masks.get(values[2]) or _weapon_names(values[2])
    if len(names) != weapon_count:
        raise ParseError(filename, f"weapon mask names {len(names)} weapons but {5 * weapon_count} numbers "
                         f"follow (expected {5 * len(names)})", number)

    split = 3 + 5 * weapon_count
    numbers = iter(values[3:split])  # five at a time: hits, shots, kills, deaths, headshots
    # Lengths agree by construction (checked above); strict=True would cost 5 % of the parse.
    weapons = dict(zip(names, map(Weapon, numbers, numbers, numbers, numbers, numbers)))  # noqa: B905
    ext = values[split:]
    if pick is not None:
        ext = pick((*ext, None))
        # Before c0rnp0rn8 the Lua re-added every 5-s snapshot into TAB20 (29 157 "bullets"
        # in a 9.8-min round, spec §1.7): the weapon shots are the real count.
        ext = (*ext[:_BULLETS], sum(values[4:split:5]), *ext[_BULLETS + 1:])

    clean = clean_name(name)
    if raw_guid.startswith("OMNIBOT"):
        guid, is_bot = bot_guid(raw_guid, clean), True
    else:
        guid, is_bot = raw_guid, clean[:1] == "[" and clean[:5].upper() == "[BOT]"
    minutes = ext[_MINUTES]
    # = minutes_to_seconds(minutes), inlined: exact int(minutes * 60) for 0.1-min values
    seconds = round(minutes * 10) * 6 if minutes is not None and minutes > 0 else duration
    player = PlayerRound(guid, raw_guid, name, clean, values[0], values[1], is_bot, sum(values[5:split:5]),
                         sum(values[6:split:5]), sum(values[7:split:5]), *ext, seconds, weapons)
    return player, count


def _legacy_block(block: str) -> tuple[int, int, int, str]:
    """(weapon count, 0, extended field count, JSON body) of a space-only stats block; the
    mask says how many weapon numbers there are."""
    tokens = block.split()
    mask = tokens[0] if tokens else ""
    if not (mask.isdigit() and mask.isascii() and len(mask) <= 9):
        return 0, 1, 0, ""  # reported as a bad weapon section
    weapon_count = len(_weapon_names(int(mask) & 0xFFFFFFF))
    return weapon_count, 0, len(tokens) - 1 - 5 * weapon_count, ",".join(tokens)


# One typed decoder per (extended field count, weapon count), with the version's ``pick``:
# rounds, team, a 28-bit mask, non-negative weapon numbers, then the extended fields with
# their version's int/float types (layout.py). At most 6 x 29 entries.
_readers: dict[tuple[int, int], tuple[msgspec.json.Decoder, Callable | None]] = {}
_ROUNDS = Annotated[int, msgspec.Meta(ge=0, le=1000)]
_TEAM = Annotated[int, msgspec.Meta(ge=0, le=3)]  # 1 Axis, 2 Allies, 3 spectator
_MASK = Annotated[int, msgspec.Meta(ge=0, lt=1 << 28)]


def _reader(count: int, weapon_count: int, filename: str, number: int):
    layout = LAYOUTS.get(count)
    if layout is None:
        raise ParseError(filename, f"{count} extended fields; known versions have 32, 33, 35, 36, 37 or 38",
                         number)
    types = (_ROUNDS, _TEAM, _MASK, *(COUNT,) * (5 * weapon_count), *layout.types)
    reader = _readers[count, weapon_count] = (msgspec.json.Decoder(tuple[types]), layout.pick)
    return reader


_POSITION = re.compile(r"\$\[(\d+)\]")
_BYTE = re.compile(r"\(byte (\d+)\)")


def _bad_number(exc: msgspec.DecodeError, count: int, weapon_count: int, body: str) -> str:
    """Say which value was rejected. msgspec ends type errors with ``at `$[k]``` and syntax
    errors with ``(byte n)``; both lead back to the k-th value of the array."""
    message = str(exc).replace("`", "'")
    if m := _POSITION.search(message):
        position, why = int(m.group(1)), message.split(" - at ")[0]
    elif m := _BYTE.search(message):
        offset = int(m.group(1)) - 1  # the array's "[" is byte 0
        position = body.count(",", 0, max(0, offset))
        tokens = body.split(",")
        why = f"not a number: {tokens[position][:40]!r}" if position < len(tokens) else "malformed"
    else:
        return f"stats block is not a list of numbers: {message[:120]}"
    why = why[:120]
    if position < 3:
        return f"{('rounds', 'team', 'weapon mask')[position]}: {why}"
    if position < 3 + 5 * weapon_count:
        return f"weapon number {position - 2}: {why}"
    field = position - 3 - 5 * weapon_count
    label = LAYOUTS[count].label(field) if field < count else "beyond the last field"
    return f"extended field {field} ({label}): {why}"

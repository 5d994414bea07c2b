"""Round metadata from the game server's round-end webhook Lua (spec §9.2).

Two carriers: the Discord-webhook message (one embed whose fields are strings such as
``Lua_Playtime: "412 sec"``, or an equivalent flat JSON object with snake_case keys) and the
``gametime-<map>-R<n>-<round_end_unix>.json`` file (``{"meta": {...}, "payload": <message>}``),
which alone carries the per-player spawn list. Types are checked by msgspec; errors name
the key path.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

import msgspec

from .errors import ParseError
from .filenames import parse_filename

__all__ = ["PauseEvent", "RoundMeta", "SpawnStat", "TeamPlayer", "parse_gametime", "parse_round_end_payload"]

PAYLOAD = "<round-end payload>"
MAX_BYTES = 1 << 20
_Unix = Annotated[int, msgspec.Meta(ge=0, le=1 << 40)]
_Seconds = Annotated[int, msgspec.Meta(ge=0, le=10_000_000)]
_Count = Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]
_Team = Annotated[int, msgspec.Meta(ge=0, le=2)]
_Guid = Annotated[str, msgspec.Meta(max_length=64)]
_Name = Annotated[str, msgspec.Meta(max_length=128)]
_Text = Annotated[str, msgspec.Meta(max_length=256)]
_Map = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f/\\]+$")]


class TeamPlayer(msgspec.Struct, frozen=True):
    """A player on a team at round end: full GUID as the client sent it, colour-stripped name."""

    guid: _Guid
    name: _Name


class PauseEvent(msgspec.Struct, frozen=True):
    n: _Count
    start: _Unix
    end: _Unix
    sec: _Seconds


class SpawnStat(msgspec.Struct, frozen=True):
    """Per-player spawn tracking (gametime file only): dead time = death -> spawn gaps."""

    guid: _Guid
    name: _Name
    spawns: _Count
    deaths: _Count
    dead_seconds: _Seconds
    avg_respawn: Annotated[float, msgspec.Meta(ge=0, le=1e7)]
    max_respawn: _Seconds


class RoundMeta(msgspec.Struct, frozen=True):
    """What the webhook Lua measured for one round. Absent values are None / empty.

    ``actual_duration_seconds`` is end - start - pauses (the reliable round length,
    spec §13.8); ``winner``/``defender``/``surrender_team``: 0 unknown, 1 Axis, 2 Allies.
    """

    map: _Map
    round: Annotated[int, msgspec.Meta(ge=1, le=10)]
    winner: _Team | None = None
    defender: _Team | None = None
    round_start_unix: _Unix | None = None
    round_end_unix: _Unix | None = None
    actual_duration_seconds: _Seconds | None = None
    total_pause_seconds: _Seconds | None = None
    pause_count: _Count | None = None
    end_reason: Annotated[str, msgspec.Meta(pattern=r"^(objective|surrender|time_expired)$")] | None = None
    warmup_seconds: _Seconds | None = None
    warmup_start_unix: _Unix | None = None
    time_limit_minutes: Annotated[float, msgspec.Meta(ge=0, le=100_000)] | None = None
    surrender_team: _Team | None = None
    surrender_caller_guid: _Guid | None = None
    surrender_caller_name: _Name | None = None
    axis_score: _Count | None = None
    allies_score: _Count | None = None
    axis_players: Annotated[tuple[TeamPlayer, ...], msgspec.Meta(max_length=256)] = ()
    allies_players: Annotated[tuple[TeamPlayer, ...], msgspec.Meta(max_length=256)] = ()
    pauses: Annotated[tuple[PauseEvent, ...], msgspec.Meta(max_length=10_000)] = ()
    spawn_stats: Annotated[tuple[SpawnStat, ...], msgspec.Meta(max_length=256)] = ()
    spawn_summary: _Text | None = None
    lua_version: Annotated[str, msgspec.Meta(max_length=32)] | None = None
    server_ip: _Text | None = None
    server_port: _Text | None = None
    match_id: _Text | None = None


class _GametimeMeta(msgspec.Struct, frozen=True):
    """The ``meta`` object of a gametime file (written by the Lua with %d / %s)."""

    map: _Map
    round: Annotated[int, msgspec.Meta(ge=1, le=10)]
    round_start_unix: _Unix
    round_end_unix: _Unix
    actual_duration_seconds: _Seconds
    warmup_seconds: _Seconds = 0
    pause_seconds: _Seconds = 0
    pause_count: _Count = 0
    server_ip: _Text = ""
    server_port: _Text = ""
    match_id: _Text = ""
    spawn_stats: Annotated[tuple[SpawnStat, ...], msgspec.Meta(max_length=256)] = ()


# Embed field -> (RoundMeta key, how its string value is read).
_SEC = re.compile(r"(\d{1,12}) sec")
_MIN = re.compile(r"(\d{1,6}(?:\.\d{1,6})?) min")
_PAUSES = re.compile(r"(\d{1,9}) \((\d{1,12}) sec\)")
_VERSION = re.compile(r"v(\S{1,32})\s*$")


def _int(text: str) -> int:
    text = text.strip()
    if not (text.lstrip("-").isdigit() and text.isascii() and len(text) <= 15):
        raise ValueError(f"expected an integer, got {text[:40]!r}")
    return int(text)


def _pattern(regex: re.Pattern[str], convert=int):
    def read(text: str):
        m = regex.fullmatch(text.strip())
        if m is None:
            raise ValueError(f"expected {regex.pattern!r}, got {text[:40]!r}")
        return convert(m[1])
    return read


def _json(text: str) -> Any:
    try:
        return msgspec.json.decode(text)
    except msgspec.DecodeError as exc:
        raise ValueError(f"invalid JSON: {exc}") from None
    except RecursionError:
        raise ValueError("invalid JSON: nested too deeply") from None


def _optional_text(text: str) -> str | None:
    return text or None


_EMBED_FIELDS: dict[str, tuple[str, Any]] = {
    "Map": ("map", str),
    "Round": ("round", _int),
    "Winner": ("winner", _int),
    "Defender": ("defender", _int),
    "Lua_Playtime": ("actual_duration_seconds", _pattern(_SEC)),
    "Lua_Timelimit": ("time_limit_minutes", _pattern(_MIN, float)),
    "Lua_EndReason": ("end_reason", _optional_text),
    "Lua_Warmup": ("warmup_seconds", _pattern(_SEC)),
    "Lua_WarmupStart": ("warmup_start_unix", _int),
    "Lua_RoundStart": ("round_start_unix", _int),
    "Lua_RoundEnd": ("round_end_unix", _int),
    "Lua_SurrenderTeam": ("surrender_team", _int),
    "Lua_SurrenderCaller": ("surrender_caller_guid", _optional_text),
    "Lua_SurrenderCallerName": ("surrender_caller_name", _optional_text),
    "Lua_AxisScore": ("axis_score", _int),
    "Lua_AlliesScore": ("allies_score", _int),
    "Axis_JSON": ("axis_players", _json),
    "Allies_JSON": ("allies_players", _json),
    "Lua_Pauses_JSON": ("pauses", _json),
    "Lua_SpawnSummary": ("spawn_summary", _optional_text),
}
_FIELD_OF_KEY = {key: f"embeds[0].fields[{field}]" for field, (key, _) in _EMBED_FIELDS.items()}
_FIELD_OF_KEY.update(pause_count="embeds[0].fields[Lua_Pauses]", total_pause_seconds="embeds[0].fields[Lua_Pauses]",
                     lua_version="embeds[0].footer.text")
_PATH = re.compile(r"`\$\.?([A-Za-z_]*)((?:[.\[][^`]*)?)`")


def parse_round_end_payload(obj: dict | bytes | str, source: str = PAYLOAD) -> RoundMeta:
    """The round-end webhook message (Discord embed shape or flat snake_case object)."""
    if isinstance(obj, (bytes, bytearray, str)):
        obj = _decode_json(obj, source)
    if not isinstance(obj, dict):
        raise ParseError(source, f"$: expected a JSON object, got {type(obj).__name__}")
    if "embeds" in obj:
        return _convert(_from_embed(obj, source), source, embed=True)
    return _convert(obj, source, embed=False)


def parse_gametime(data: bytes | str, filename: str) -> RoundMeta:
    """A ``gametime-<map>-R<n>-<round_end_unix>.json`` file: the payload plus ``meta``
    (spawn stats, server address, match id). The name must agree with ``meta``."""
    info = parse_filename(filename)
    if info.kind != "gametime":
        raise ParseError(filename, f"{info.kind} file name, expected a gametime file name")
    doc = _decode_json(data, filename)
    if not isinstance(doc, dict) or not isinstance(doc.get("meta"), dict):
        raise ParseError(filename, "$.meta: expected an object")
    try:
        meta = msgspec.convert(doc["meta"], _GametimeMeta)
    except msgspec.ValidationError as exc:
        raise ParseError(filename, _with_path(str(exc), "$.meta")) from None
    if meta.round != info.round_number or meta.round_end_unix != info.round_end_unix:
        raise ParseError(filename, f"file name says R{info.round_number} ending {info.round_end_unix}, "
                                   f"$.meta says R{meta.round} ending {meta.round_end_unix}")
    if re.sub(r"[^A-Za-z0-9_-]", "_", meta.map) != info.map:
        raise ParseError(filename, f"file name map {info.map!r} differs from $.meta.map {meta.map!r}")
    base: dict[str, Any] = {
        "map": meta.map, "round": meta.round, "round_start_unix": meta.round_start_unix,
        "round_end_unix": meta.round_end_unix, "actual_duration_seconds": meta.actual_duration_seconds,
        "warmup_seconds": meta.warmup_seconds, "total_pause_seconds": meta.pause_seconds,
        "pause_count": meta.pause_count,
    }
    payload = doc.get("payload")
    if payload is not None:
        if not isinstance(payload, dict):
            raise ParseError(filename, "$.payload: expected an object")
        try:
            inner = parse_round_end_payload(payload, filename)
        except ParseError as exc:
            where = exc.reason[1:] if exc.reason.startswith("$") else "." + exc.reason
            raise ParseError(filename, f"$.payload{where}") from None
        if (inner.map, inner.round) != (meta.map, meta.round):
            raise ParseError(filename, f"$.payload is {inner.map} R{inner.round}, $.meta {meta.map} R{meta.round}")
        base.update({k: v for k, v in msgspec.structs.asdict(inner).items() if v not in (None, ())})
    base.update(spawn_stats=meta.spawn_stats, server_ip=meta.server_ip or None,
                server_port=meta.server_port or None, match_id=meta.match_id or None)
    return RoundMeta(**base)


def _decode_json(data: bytes | bytearray | str, source: str) -> Any:
    if len(data) > MAX_BYTES:
        raise ParseError(source, f"larger than {MAX_BYTES} bytes")
    try:
        return msgspec.json.decode(data)
    except msgspec.DecodeError as exc:
        raise ParseError(source, f"invalid JSON: {exc}") from None
    except RecursionError:
        raise ParseError(source, "invalid JSON: nested too deeply") from None


def _from_embed(obj: dict, source: str) -> dict[str, Any]:
    """Read the embed's string fields into RoundMeta keys."""
    embeds = obj["embeds"]
    if not isinstance(embeds, list) or not embeds or not isinstance(embeds[0], dict):
        raise ParseError(source, "embeds: expected a list with one embed object")
    embed = embeds[0]
    fields = embed.get("fields")
    if not isinstance(fields, list):
        raise ParseError(source, "embeds[0].fields: expected a list")
    out: dict[str, Any] = {}
    for i, field in enumerate(fields):
        if not isinstance(field, dict) or not isinstance(field.get("name"), str) \
                or not isinstance(field.get("value"), str):
            raise ParseError(source, f"embeds[0].fields[{i}]: expected {{name: str, value: str}}")
        name, value = field["name"], field["value"]
        if name == "Lua_Pauses":
            m = _PAUSES.fullmatch(value.strip())
            if m is None:
                raise ParseError(source, f"embeds[0].fields[Lua_Pauses]: expected 'N (S sec)', got {value[:40]!r}")
            out["pause_count"], out["total_pause_seconds"] = int(m[1]), int(m[2])
            continue
        spec = _EMBED_FIELDS.get(name)
        if spec is None:
            continue  # fields of newer or older script versions
        key, read = spec
        try:
            out[key] = read(value)
        except ValueError as exc:
            raise ParseError(source, f"embeds[0].fields[{name}]: {exc}") from None
    footer = embed.get("footer")
    if isinstance(footer, dict) and isinstance(footer.get("text"), str):
        m = _VERSION.search(footer["text"])
        if m:
            out["lua_version"] = m[1]
    return out


def _convert(values: dict[str, Any], source: str, embed: bool) -> RoundMeta:
    try:
        return msgspec.convert(values, RoundMeta)
    except msgspec.ValidationError as exc:
        message = str(exc)
        m = _PATH.search(message)
        if embed and m and m[1] in _FIELD_OF_KEY:  # name the embed field the value came from
            what = message.split(" - at ")[0].replace("`", "'")
            raise ParseError(source, f"{_FIELD_OF_KEY[m[1]]}{m[2]}: {what}") from None
        raise ParseError(source, _with_path(message, "$")) from None


def _with_path(message: str, prefix: str) -> str:
    """msgspec says "Expected `int`, got `str` - at `$.round`": put the path first."""
    m = _PATH.search(message)
    what = message.split(" - at ")[0].replace("`", "'")
    if m is None:
        return f"{prefix}: {what}"
    path = prefix + ("." + m[1] if m[1] else "") + m[2]
    return f"{path}: {what}"

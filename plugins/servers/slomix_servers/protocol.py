"""The ET:Legacy connectionless protocol: packets built as bytes, replies parsed (spec §1).

Pure functions, no sockets: ``client`` sends what these build. Every datagram starts with
four 0xFF bytes (built from bytes, never from text: a UTF-8 ``encode`` of ``"\\xff"`` gives
``C3 BF`` and the engine drops the packet).
"""

from __future__ import annotations

import codecs
import re

import msgspec

from slomix_stats.api import plain_name

HEADER = b"\xff\xff\xff\xff"
MAX_REQUEST = 1024  # the engine reads at most this much of a request, header included
PRINT = b"print\n"
STATUS_RESPONSE = b"statusResponse\n"
INFO_RESPONSE = b"infoResponse\n"

GAMETYPES = {0: "single player", 1: "cooperative", 2: "objective", 3: "stopwatch", 4: "campaign",
             5: "last man standing", 6: "map voting"}
TEAMS = {0: "free", 1: "axis", 2: "allies", 3: "spectator"}
GAMESTATES = {-1: "initialising", 0: "playing", 1: "warmup countdown", 2: "warmup", 3: "intermission"}

_PLAYER_LINE = re.compile(rb'^(-?\d+) (-?\d+) "(.*)"$')
_CVAR = re.compile(r'"([^"]+)" is: ?"(.*?)\^7"')


class ProtocolError(ValueError):
    """A reply that does not read as the engine writes it."""


def _latin1_fallback(error: UnicodeDecodeError) -> tuple[str, int]:
    bad = error.object[error.start:error.end]
    return bytes(bad).decode("latin-1"), error.end


codecs.register_error("slomix-latin1", _latin1_fallback)


def decode(raw: bytes) -> str:
    """The engine's console rule: valid UTF-8 stays, each invalid high byte is its Latin-1 character."""
    return raw.decode("utf-8", "slomix-latin1")


def packet(command: str) -> bytes:
    """``FF FF FF FF`` + the command line, as the engine reads it.

    Refuses what would cut or change the line on receipt: a newline or NUL ends it, ``%``
    becomes ``.``, and more than 1024 bytes are not read.
    """
    if any(c in command for c in "\r\n\0"):
        raise ValueError("a command cannot contain a line break or NUL")
    if "%" in command:
        raise ValueError("a command cannot contain % (the engine turns it into .)")
    data = HEADER + command.encode("utf-8")
    if len(data) + 1 > MAX_REQUEST:
        raise ValueError(f"a command is at most {MAX_REQUEST - len(HEADER) - 1} bytes")
    return data


def check_password(password: str) -> str:
    """An RCON password is one token (the engine cuts the command after it)."""
    if not password or any(c in password for c in ' \t"%;') or "//" in password:
        raise ValueError("an RCON password is one word: no spaces, quotes, %, ; or //")
    return password


def rcon_packet(password: str, command: str) -> bytes:
    """``FF×4 rcon <password> <command>`` and the stock client's trailing NUL."""
    return packet(f"rcon {check_password(password)} {command}") + b"\0"


def print_text(datagram: bytes) -> bytes | None:
    """The text of one ``print`` reply datagram, or None when it is something else."""
    if datagram.startswith(HEADER + PRINT):
        return datagram[len(HEADER) + len(PRINT):]
    return None


def parse_info(text: bytes) -> dict[str, str]:
    r"""``\key\value\key\value`` → a dict (keys lower-cased, as cvar names are case-insensitive)."""
    parts = text.strip(b"\n").split(b"\\")
    if parts and parts[0] == b"":
        parts = parts[1:]
    if len(parts) % 2:
        raise ProtocolError("an infostring has a key without a value")
    return {decode(k).lower(): decode(v) for k, v in zip(parts[::2], parts[1::2], strict=True)}


class Player(msgspec.Struct, frozen=True, kw_only=True):
    """A client in a ``statusResponse``: slot, team (from the ``P`` cvar), score (XP), ping, name."""

    slot: int
    name: str  # colour codes removed
    raw_name: str  # as the game shows it, colour codes included
    team: str  # axis, allies, spectator, free, or unknown
    score: int
    ping: int

    @property
    def bot(self) -> bool:
        return self.ping == 0

    @property
    def connecting(self) -> bool:
        return self.ping == 999


class Status(msgspec.Struct, frozen=True, kw_only=True):
    """What ``getstatus`` says about a server."""

    info: dict[str, str]
    players: list[Player]

    @property
    def map(self) -> str:
        return self.info.get("mapname", "")

    @property
    def hostname(self) -> str:
        return plain_name(self.info.get("sv_hostname", ""))

    @property
    def gametype(self) -> str:
        code = _int(self.info.get("g_gametype"))
        return GAMETYPES.get(code, f"gametype {code}") if code is not None else "unknown"

    @property
    def max_clients(self) -> int:
        return _int(self.info.get("sv_maxclients")) or 0

    @property
    def timelimit(self) -> float | None:
        try:
            return float(self.info["timelimit"])
        except (KeyError, ValueError):
            return None

    @property
    def humans(self) -> int:
        return sum(not p.bot for p in self.players)


def _int(text: str | None) -> int | None:
    try:
        return int(text) if text is not None else None
    except ValueError:
        return None


def parse_status(datagram: bytes, challenge: str | None = None) -> Status:
    """A ``statusResponse`` datagram; ``challenge`` (when given) must be echoed back."""
    if not datagram.startswith(HEADER + STATUS_RESPONSE):
        raise ProtocolError("not a statusResponse")
    lines = datagram[len(HEADER) + len(STATUS_RESPONSE):].split(b"\n")
    info = parse_info(lines[0])
    if challenge is not None and info.get("challenge") != challenge:
        raise ProtocolError("a statusResponse to another request (challenge differs)")
    # P: one char per slot, '-' free, else '0' + team; the k-th player line is the k-th used slot.
    slots = [(i, c) for i, c in enumerate(info.get("p", "")) if c != "-"]
    players = []
    for k, line in enumerate(x for x in lines[1:] if x):
        found = _PLAYER_LINE.match(line)
        if not found:
            raise ProtocolError(f"player line {k + 1} does not read as <score> <ping> \"<name>\": {decode(line)!r}")
        slot, team = slots[k] if k < len(slots) else (-1, "?")
        raw = decode(found[3])
        players.append(Player(slot=slot, name=plain_name(raw), raw_name=raw,
                              team=TEAMS.get(ord(team) - ord("0"), "unknown"),
                              score=int(found[1]), ping=int(found[2])))
    return Status(info=info, players=players)


def parse_inforesponse(datagram: bytes, challenge: str | None = None) -> dict[str, str]:
    """An ``infoResponse`` datagram's infostring (``humans``, ``clients``, ``hostname``, ...)."""
    if not datagram.startswith(HEADER + INFO_RESPONSE):
        raise ProtocolError("not an infoResponse")
    info = parse_info(datagram[len(HEADER) + len(INFO_RESPONSE):])
    if challenge is not None and info.get("challenge") != challenge:
        raise ProtocolError("an infoResponse to another request (challenge differs)")
    return info


class StatusRow(msgspec.Struct, frozen=True, kw_only=True):
    """A row of RCON ``status``: the slot number is what ``clientkick`` takes."""

    slot: int
    score: int
    ping: str  # a number, or CNCT / ZMBI / DEMO
    name: str  # colour codes removed
    address: str


def parse_status_table(text: str) -> list[StatusRow]:
    """The rows of RCON ``status``: first 3 tokens, last 5 tokens, the name in between (spec §1.6)."""
    rows = []
    for line in text.splitlines():
        words = line.split()
        if len(words) < 9 or not words[0].isdigit() or not words[1].lstrip("-").isdigit():
            continue
        # The name is the middle of the line: drop three leading and five trailing tokens by position.
        head = re.match(r"^\s*\S+\s+\S+\s+\S+ ", line)
        tail = re.search(r"(\s+\S+){5}\s*$", line)
        if not head or not tail:
            continue
        name = line[head.end():tail.start()].rstrip()
        rows.append(StatusRow(slot=int(words[0]), score=int(words[1]), ping=words[2],
                              name=plain_name(name.removesuffix("^7").rstrip()), address=words[-4]))
    return rows


def parse_cvar(text: str) -> str | None:
    """The value in ``"name" is: "value^7" ...`` (RCON cvar query), or None."""
    found = _CVAR.search(text)
    return found[2] if found else None

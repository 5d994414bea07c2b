"""A loopback ET:Legacy game server for tests: real UDP on 127.0.0.1, the engine's formats.

Written from the engine's behaviour (spec server-ratings-voice §1), not from any client:

- ``getstatus [challenge]`` → ``statusResponse`` (infostring with ``P`` and the echoed
  challenge, then ``<score> <ping> "<name>"`` per client); ``getinfo`` → ``infoResponse``;
- ``rcon <password> <command>``: the password checked case-sensitively, the command's console
  output redirected into a 240-byte buffer and sent as ``print`` datagrams of at most 239
  bytes, once more at the end even when empty (``Com_BeginRedirect``/``Com_EndRedirect``);
  ``status`` (the table printed field by field, so rows straddle datagrams), ``map``,
  ``map_restart``, ``say``, ``clientkick``/``kick`` (the second argument is a ban length in
  seconds), ``set``, ``serverinfo``, cvar queries;
- ``protect=True``: ``sv_protect 1``, one leaky bucket per source address (burst 10, one a
  second) shared by every request kind; what it refuses gets no reply;
- loss: ``lose_requests(n)`` drops the next n requests, ``lose_reply_packets({i, ...})``
  drops those datagrams of the next reply.

``received`` holds every datagram exactly as it arrived (tests assert the bytes sent);
``chat``, ``kicks``, ``commands`` what the server did. Runs in a thread, so it serves sync and
async tests alike. ``python -m slomix.testing.gameserver --port 27960 --password secret``
runs one for trying ``slomix cmd`` by hand.
"""

from __future__ import annotations

import argparse
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

HEADER = b"\xff\xff\xff\xff"
OUTPUT_BUFFER = 240  # SV_OUTPUTBUF_LENGTH: at most 239 bytes of text per print datagram
VERSION = "ET Legacy v2.83.1 linux-x86_64 Aug 22 2026"
_TOKEN = re.compile(rb'"([^"]*)"?|(\S+)')


@dataclass
class FakePlayer:
    """A client: ``team`` 1 Axis, 2 Allies, 3 spectator; ``ping`` 0 is a bot, 999 is loading."""

    name: bytes | str
    team: int = 1
    score: int = 0
    ping: int = 40
    address: str = "192.0.2.10:27960"

    @property
    def raw(self) -> bytes:
        return self.name.encode("utf-8") if isinstance(self.name, str) else self.name


@dataclass
class Bucket:
    """ioq3's ``SVC_RateLimit``: whole periods drain, the remainder is kept."""

    burst: int = 10
    period_ms: int = 1000
    level: int = 0
    last: int = 0

    def limited(self, now_ms: int) -> bool:
        interval = now_ms - self.last
        expired, remainder = divmod(interval, self.period_ms)
        if expired > self.level or interval < 0:
            self.level, self.last = 0, now_ms
        else:
            self.level -= expired
            self.last = now_ms - remainder
        if self.level < self.burst:
            self.level += 1
            return False
        return True


@dataclass
class _Redirect:
    """``Com_BeginRedirect``: prints gather in a 240-byte buffer, flushed when the next would not fit."""

    flush: Callable[[bytes], None]
    buffer: bytes = b""

    def print(self, text: str | bytes) -> None:
        data = text.encode("utf-8") if isinstance(text, str) else text
        if len(data) + len(self.buffer) > OUTPUT_BUFFER - 1:
            self.flush(self.buffer)
            self.buffer = b""
        self.buffer = (self.buffer + data)[:OUTPUT_BUFFER - 1]

    def end(self) -> None:
        self.flush(self.buffer)


def _colour_chars(name: bytes) -> int:
    """How many bytes of ``name`` are colour codes (``^`` + a graphic non-``^`` byte)."""
    count, i = 0, 0
    while i < len(name) - 1:
        if name[i] == 0x5E and name[i + 1] != 0x5E and (0x21 <= name[i + 1] <= 0x7E or name[i + 1] >= 0x80):
            count += 2
            i += 2
        else:
            i += 1
    return count


@dataclass
class FakeGameServer:
    """One server on 127.0.0.1; ``port`` 0 takes a free port. Use it as a context manager."""

    rcon_password: str = "secret"
    map: str = "supply"
    hostname: str = "^1Slomix ^7test server"
    players: list[FakePlayer] = field(default_factory=list)
    gametype: int = 3
    max_clients: int = 24
    cvars: dict[str, str] = field(default_factory=dict)
    maps: set[str] = field(default_factory=lambda: {"supply", "etl_adlernest", "goldrush", "radar", "frostbite",
                                                     "etl_sp_delivery", "te_escape2", "missile_b3"})
    protect: bool = False
    protect_burst: int = 10  # the engine's numbers; tests may shrink the period to run fast
    protect_period_ms: int = 1000
    port: int = 0
    host: str = "127.0.0.1"
    clock: Callable[[], float] = time.monotonic
    received: list[bytes] = field(default_factory=list)
    sent: list[bytes] = field(default_factory=list)
    dropped: list[bytes] = field(default_factory=list)  # refused by the rate limit or lost on purpose
    chat: list[str] = field(default_factory=list)
    kicks: list[tuple[int, int]] = field(default_factory=list)  # (slot, ban seconds)
    commands: list[str] = field(default_factory=list)  # RCON commands run (right password)
    restarts: int = 0

    def __post_init__(self) -> None:
        self.cvars = {"gamestate": "0", "g_currentRound": "0", "timelimit": "10", **self.cvars}
        self.slots: dict[int, FakePlayer] = {i: p for i, p in enumerate(self.players)}
        self._buckets: dict[str, Bucket] = {}
        self._lose_requests = 0
        self._lose_packets: set[int] = set()
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()

    # -- control ---------------------------------------------------------------------------------

    def start(self) -> FakeGameServer:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self._sock.bind((self.host, self.port))
        self._sock.settimeout(0.05)
        self.port = self._sock.getsockname()[1]
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name=f"fake-et:{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._sock is not None:
            self._sock.close()
        self._sock = self._thread = None

    def __enter__(self) -> FakeGameServer:
        return self.start()

    def __exit__(self, *_: Any) -> None:
        self.stop()

    def add(self, player: FakePlayer) -> int:
        """Connect a player to the lowest free slot; its slot number."""
        with self._lock:
            slot = next(i for i in range(self.max_clients) if i not in self.slots)
            self.slots[slot] = player
            return slot

    def lose_requests(self, count: int) -> None:
        """The next ``count`` datagrams that reach the server are lost."""
        with self._lock:
            self._lose_requests = count

    def lose_reply_packets(self, indexes: Iterable[int]) -> None:
        """Drop these datagrams (0 = the first) of the next multi-datagram reply."""
        with self._lock:
            self._lose_packets = set(indexes)

    def entry(self, name: str = "main", password_env: str = "ET_RCON_PASSWORD") -> dict[str, Any]:
        """The ``[plugins.servers.servers.<name>]`` table that points at this server."""
        return {"host": self.host, "port": self.port, "rcon_password": {"env": password_env}}

    # -- the engine --------------------------------------------------------------------------------

    def _serve(self) -> None:
        assert self._sock is not None
        while not self._stop.is_set():
            try:
                data, address = self._sock.recvfrom(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            with self._lock:
                self.received.append(data)
                for reply in self._handle(data, address):
                    self._send(reply, address)

    def _send(self, data: bytes, address: tuple[str, int]) -> None:
        self.sent.append(data)
        assert self._sock is not None
        self._sock.sendto(data, address)

    def _handle(self, data: bytes, address: tuple[str, int]) -> list[bytes]:
        if self._lose_requests:
            self._lose_requests -= 1
            self.dropped.append(data)
            return []
        if not data.startswith(HEADER):
            return []  # in-band: no connected client matches, dropped silently (SV_PacketEvent)
        line = re.split(rb"[\n\0]", data[4:], maxsplit=1)[0][:1023].replace(b"%", b".")
        words = [m[1] if m[1] is not None else m[2] for m in _TOKEN.finditer(line)]
        if not words:
            return []
        command = words[0].lower()
        if command not in (b"getstatus", b"getinfo", b"rcon"):
            return []
        if self.protect and self._buckets.setdefault(
                address[0], Bucket(self.protect_burst, self.protect_period_ms)).limited(int(self.clock() * 1000)):
            self.dropped.append(data)
            return []
        challenge = words[1] if len(words) > 1 else b""
        if command == b"getstatus":
            return [] if len(challenge) > 128 else [self._status(challenge)]
        if command == b"getinfo":
            return [] if len(challenge) > 128 else [self._info(challenge)]
        return self._rcon(line, words)

    def _serverinfo(self) -> dict[str, str]:
        top = max(self.slots, default=-1)
        team_string = "".join(str(self.slots[i].team) if i in self.slots else "-" for i in range(top + 1))
        return {"sv_hostname": self.hostname, "mapname": self.map, "protocol": "84",
                "sv_maxclients": str(self.max_clients), "sv_privateClients": "0", "g_gametype": str(self.gametype),
                "timelimit": self.cvars["timelimit"], "g_needpass": "0", "gamename": "legacy",
                "mod_version": "v2.83.1", "g_antilag": "1", "P": team_string, "omnibot_playing": "0",
                "version": VERSION}

    @staticmethod
    def _infostring(values: dict[str, str], challenge: bytes) -> bytes:
        out = b"".join(b"\\" + k.encode() + b"\\" + v.encode() for k, v in values.items())
        # Info_SetValueForKey refuses a value with \ ; or ": the key is then missing.
        if not any(c in challenge for c in b'\\;"'):
            out += b"\\challenge\\" + challenge
        return out

    def _status(self, challenge: bytes) -> bytes:
        lines = b"".join(b'%d %d "%s"\n' % (p.score, p.ping, p.raw) for _, p in sorted(self.slots.items()))
        return HEADER + b"statusResponse\n" + self._infostring(self._serverinfo(), challenge) + b"\n" + lines

    def _info(self, challenge: bytes) -> bytes:
        humans = sum(p.ping != 0 for p in self.slots.values())
        values = {"version": VERSION, "protocol": "84", "hostname": self.hostname, "serverload": "0",
                  "mapname": self.map, "clients": str(len(self.slots)), "humans": str(humans),
                  "sv_maxclients": str(self.max_clients), "sv_privateclients": "0", "gametype": str(self.gametype),
                  "pure": "1", "game": "legacy", "friendlyFire": "1", "maxlives": "0", "needpass": "0",
                  "gamename": "et"}
        return HEADER + b"infoResponse\n" + self._infostring(values, challenge)

    def _rcon(self, line: bytes, words: list[bytes]) -> list[bytes]:
        packets: list[bytes] = []
        out = _Redirect(lambda text: packets.append(HEADER + b"print\n" + text))
        password = words[1].decode("utf-8", "replace") if len(words) > 1 else ""
        if not self.rcon_password:
            out.print("No rconpassword set on the server.\n")
        elif password != self.rcon_password:
            out.print("Bad rconpassword.\n")
        else:
            # The command is the raw line after the password's word (SVC_RemoteCommand).
            rest = re.match(rb"^\s*\S+\s+\S+\s*(.*)$", line)
            command = rest[1].decode("utf-8", "replace") if rest else ""
            self.commands.append(command)
            self._execute(command, out)
        out.end()
        lose, self._lose_packets = self._lose_packets, set()
        kept = []
        for i, p in enumerate(packets):
            (self.dropped if i in lose else kept).append(p)
        return kept

    def _execute(self, command: str, out: _Redirect) -> None:
        words = [m[1] if m[1] is not None else m[2] for m in _TOKEN.finditer(command.encode("utf-8"))]
        args = [w.decode("utf-8", "replace") for w in words]
        if not args:
            return
        name = args[0].lower()
        if name == "status":
            self._print_status(out)
        elif name in ("map", "devmap"):
            if len(args) < 2 or args[1].lower() not in self.maps:
                out.print(f"Can't find map maps/{args[1] if len(args) > 1 else ''}.bsp\n")
            else:
                self.map = args[1].lower()
                self.cvars.update(gamestate="2", g_currentRound="0")
        elif name == "map_restart":
            self.restarts += 1
        elif name == "say":
            text = command.split(None, 1)[1] if len(args) > 1 else ""
            if text.startswith('"'):
                text = text[1:-1]  # SV_ConSay_f drops the first and last characters
            if len(text) <= 1000:
                self.chat.append(f"console: {text}")
        elif name in ("clientkick", "kick"):
            self._kick(args, out)
        elif name == "set" and len(args) >= 3:
            self.cvars[args[1]] = " ".join(args[2:])
        elif name == "serverinfo":
            out.print("Server info settings:\n")
            for key, value in self._serverinfo().items():
                out.print(f"{key:<20}{value}\n")
        elif len(args) == 1 and (cvar := next((k for k in self.cvars if k.lower() == name), None)):
            out.print(f'"{cvar}" is:"{self.cvars[cvar]}^7" default:"0^7"\n')
        else:
            out.print(f"Unknown command \"{args[0]}^7\"\n")

    def _kick(self, args: list[str], out: _Redirect) -> None:
        if len(args) < 2:
            out.print("usage: clientkick <clientname> [timeout]\n")
            return
        target = args[1]
        try:
            seconds = int(args[2]) if len(args) > 2 else 300
        except ValueError:
            seconds = 0  # atoi of a reason: the predecessor's bug, a 0-second ban
        slot = int(target) if target.isdigit() else next(
            (i for i, p in self.slots.items() if p.raw.decode("utf-8", "replace") == target), None)
        if slot is None or slot not in self.slots:
            out.print(f"Bad client slot: {target}\n")
            return
        del self.slots[slot]
        self.kicks.append((slot, seconds))

    def _print_status(self, out: _Redirect) -> None:
        out.print("cpu server utilization:   1 %\n")
        out.print("avg response time     :   0 ms\n")
        out.print(f"server time           : {int(self.clock() * 1000)}\n")
        out.print(f"internal time         : {int(self.clock() * 1000)}\n")
        out.print(f"map                   : {self.map}\n\n")
        out.print("num score ping name                                  lastmsg address               qport rate  "
                  "lastConnectTime\n")
        out.print("--- ----- ---- ------------------------------------- ------- --------------------- ----- ----- "
                  "---------------\n")
        for slot, p in sorted(self.slots.items()):
            out.print(f"{slot:3d} ")
            out.print(f"{p.score:5d} ")
            out.print("CNCT " if p.ping == 999 else f"{p.ping:4d} ")
            out.print(p.raw.ljust(37 + _colour_chars(p.raw)) + b"^7")
            out.print(f" {50:7d} ")
            out.print(f"{'bot' if p.ping == 0 else p.address:<21s}")
            out.print(f" {1234 + slot:5d}")
            out.print(f" {25000:5d}")
            out.print(f" {60000 + slot:15d}\n")


@pytest.fixture
def game_server() -> Iterator[Callable[..., FakeGameServer]]:
    """Factory: ``game_server(players=[FakePlayer("vid", team=2)], protect=True, ...)`` -> a started server."""
    started: list[FakeGameServer] = []

    def factory(**kwargs: Any) -> FakeGameServer:
        server = FakeGameServer(**kwargs).start()
        started.append(server)
        return server

    yield factory
    for server in started:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description="A loopback ET:Legacy server speaking getstatus/getinfo/rcon.")
    parser.add_argument("--port", type=int, default=27960)
    parser.add_argument("--password", default="secret")
    parser.add_argument("--protect", action="store_true", help="sv_protect 1: the per-address rate limit")
    options = parser.parse_args()
    players = [FakePlayer("^1vid", team=2, score=120, ping=38), FakePlayer("^4endekk", team=1, score=95, ping=52),
               FakePlayer(b"^3K\xe4rpf\xe4n", team=1, score=40, ping=61), FakePlayer("[BOT]Fritz", team=2, ping=0),
               FakePlayer("spec^^tator", team=3, score=0, ping=20)]
    server = FakeGameServer(rcon_password=options.password, players=players, port=options.port,
                            protect=options.protect).start()
    print(f"fake ET:Legacy server on udp://127.0.0.1:{server.port} (rcon password {options.password!r}); Ctrl-C stops")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()

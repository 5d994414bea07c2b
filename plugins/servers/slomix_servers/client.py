"""A UDP client for one game server: ``getstatus``, ``getinfo`` and ``rcon`` (spec §1).

Each request gets its own socket (a fresh source port), so a late reply to an earlier request
can never be read as the answer to this one. ``getstatus``/``getinfo`` carry a random
challenge the engine echoes. RCON replies come as several ``print`` datagrams with no
terminator: they are collected until the socket has been quiet for ``quiet`` seconds.
One RCON is in flight per server, and every request waits its turn in a leaky bucket that
mirrors the engine's per-address limit (burst 10, one a second), so the tail of a burst is
delayed instead of silently dropped.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import anyio

from . import protocol
from .protocol import Status

# What the engine answers instead of running the command.
BAD_PASSWORD = "Bad rconpassword"
NO_PASSWORD = "No rconpassword set on the server"


class ServerError(Exception):
    """A game server did not do what was asked; the message names the server."""

    def __init__(self, server: str, message: str) -> None:
        super().__init__(f"{server}: {message}")
        self.server = server


class Unreachable(ServerError):
    """No reply (server down, wrong address, every packet lost, or rate-limited)."""


class BadPassword(ServerError):
    """The server refused our RCON password."""


class RconUnavailable(ServerError):
    """No RCON password is configured here, or none is set on the server."""


@dataclass
class Pacer:
    """A leaky bucket like the engine's ``SVC_BucketForAddress``: ``burst`` at once, then ``rate`` a second."""

    burst: int = 10
    rate: float = 1.0
    clock: Callable[[], float] = time.monotonic
    _level: float = 0.0
    _at: float = 0.0

    def __post_init__(self) -> None:
        self._at = self.clock()

    def delay(self) -> float:
        """Seconds to wait before the next packet may leave (and count it as sent)."""
        now = self.clock()
        self._level = max(0.0, self._level - (now - self._at) * self.rate)
        self._at = now
        wait = max(0.0, (self._level + 1 - self.burst) / self.rate)
        self._level += 1
        return wait

    async def wait(self) -> None:
        wait = self.delay()
        if wait:
            await anyio.sleep(wait)


@dataclass
class GameServer:
    """One configured server. ``password`` None: status only."""

    name: str
    host: str
    port: int
    password: str | None = None
    timeout: float = 1.5  # for the first reply datagram
    retries: int = 1  # further attempts when nothing came back (status, info, read-only RCON)
    quiet: float = 0.3  # an RCON reply is complete after this much silence
    cap: float = 4.0  # an RCON reply is cut after this long in all
    pacer: Pacer = field(default_factory=Pacer)
    _rcon: anyio.Lock = field(default_factory=anyio.Lock)

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    async def _ask(self, data: bytes, accept: Callable[[bytes], bool], *, collect: bool, attempts: int) -> list[bytes]:
        """Send ``data`` (up to ``attempts`` times) and return the datagrams ``accept`` takes."""
        try:
            return await self._exchange(data, accept, collect=collect, attempts=attempts)
        except OSError as error:  # a host name that does not resolve, a network that is down
            raise Unreachable(self.name, f"{self.address}: {error.strerror or error}") from None

    async def _exchange(self, data: bytes, accept: Callable[[bytes], bool], *, collect: bool,
                        attempts: int) -> list[bytes]:
        unreadable = 0
        for _ in range(attempts):
            await self.pacer.wait()
            async with await anyio.create_connected_udp_socket(self.host, self.port) as sock:
                await sock.send(data)
                got: list[bytes] = []
                with anyio.move_on_after(self.timeout):
                    while not got:
                        datagram = await sock.receive()
                        if accept(datagram):
                            got.append(datagram)
                        else:
                            unreadable += 1
                if not got:
                    continue
                if collect:
                    deadline = anyio.current_time() + self.cap
                    while (left := deadline - anyio.current_time()) > 0:
                        with anyio.move_on_after(min(self.quiet, left)) as quiet:
                            datagram = await sock.receive()
                        if quiet.cancelled_caught:
                            break
                        if accept(datagram):
                            got.append(datagram)
                return got
        heard = f" ({unreadable} datagram(s) came back that do not read as the answer)" if unreadable else ""
        raise Unreachable(self.name, f"no reply from {self.address} after {attempts} "
                          f"attempt{'s' if attempts > 1 else ''} of {self.timeout:g} s{heard}")

    async def status(self) -> Status:
        """``getstatus``: the server's cvars and every client with team, score and ping."""
        challenge = secrets.token_hex(6)

        def mine(datagram: bytes) -> bool:
            try:
                protocol.parse_status(datagram, challenge)
            except protocol.ProtocolError:
                return False
            return True

        [reply] = await self._ask(protocol.packet(f"getstatus {challenge}"), mine, collect=False,
                                  attempts=1 + self.retries)
        return protocol.parse_status(reply, challenge)

    async def info(self) -> dict[str, str]:
        """``getinfo``: the short infostring (with ``humans``, which getstatus lacks)."""
        challenge = secrets.token_hex(6)

        def mine(datagram: bytes) -> bool:
            try:
                protocol.parse_inforesponse(datagram, challenge)
            except protocol.ProtocolError:
                return False
            return True

        [reply] = await self._ask(protocol.packet(f"getinfo {challenge}"), mine, collect=False,
                                  attempts=1 + self.retries)
        return protocol.parse_inforesponse(reply, challenge)

    async def rcon(self, command: str, *, retry: bool = False) -> str:
        """Run one console command; its whole output (every ``print`` datagram, joined).

        ``retry``: send again when nothing came back; only for commands that are safe to run
        twice (a lost ``say`` resent would be said twice if only the reply was lost).
        """
        if self.password is None:
            raise RconUnavailable(self.name, "no RCON password is configured for this server")
        data = protocol.rcon_packet(self.password, command)
        async with self._rcon:
            texts = await self._ask(data, lambda d: protocol.print_text(d) is not None, collect=True,
                                    attempts=1 + (self.retries if retry else 0))
        text = protocol.decode(b"".join(protocol.print_text(t) or b"" for t in texts))
        if text.startswith(BAD_PASSWORD):
            raise BadPassword(self.name, f"the server refused the RCON password ({BAD_PASSWORD})")
        if text.startswith(NO_PASSWORD):
            raise RconUnavailable(self.name, f"RCON is off on the server ({NO_PASSWORD})")
        return text

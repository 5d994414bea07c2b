"""A game server's host over SSH: start, stop and restart through configured commands, its map files.

The connection is the SSH adapter's server of the configured name (``ssh = "main"``): the same
host, user, key and known_hosts file. Only that key and that known_hosts file are used (no
agent, no ssh config), and a host key not in the file refuses the connection. Commands are
the configured strings, never built from chat text; map file names are allow-listed, an
uploaded map must be a sound zip with a ``maps/*.bsp``, and the base paks are never deleted
or overwritten (no upload replaces an existing file).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncssh
import msgspec

from .client import ServerError

PK3 = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}\.pk3$")
# The game's own archives (etmain/pak0-2, mp_bin; legacy/legacy_v*.pk3): removing one breaks the server.
BASE_PAK = re.compile(r"^(pak\d+|mp_bin|legacy_v.*)\.pk3$", re.IGNORECASE)
TIMEOUT = 30.0


class RemoteError(ServerError):
    """The host could not be reached over SSH, or refused what was asked."""


class AlreadyThere(RemoteError):
    """A map file of that name is on the server: an upload never replaces one."""


class MapFile(msgspec.Struct, frozen=True):
    name: str
    size: int
    base: bool  # one of the game's own archives (never deleted)


def describe(error: BaseException) -> str:
    if isinstance(error, asyncssh.HostKeyNotVerifiable):
        return f"host key not verifiable (check known_hosts): {error.reason}"
    if isinstance(error, asyncssh.PermissionDenied):
        return f"SSH authentication refused: {error.reason}"
    if isinstance(error, asyncssh.SFTPError):
        return f"{error.reason}"
    if isinstance(error, TimeoutError):
        return "timed out"
    if isinstance(error, OSError) and error.strerror:
        return error.strerror
    return f"{type(error).__name__}: {error}"


@dataclass(frozen=True)
class Host:
    """Where a game server runs and what starts and stops it."""

    server: str  # the game server's name in Slomix
    host: str
    port: int
    user: str
    key_path: str
    known_hosts: str
    maps_dir: str
    start_command: str | None
    stop_command: str | None
    restart_command: str | None

    @asynccontextmanager
    async def _connect(self) -> AsyncIterator[Any]:
        try:
            async with asyncssh.connect(
                self.host, self.port, username=self.user, client_keys=[self.key_path],
                known_hosts=self.known_hosts, config=[], agent_path=None, x509_trusted_certs=None,
                connect_timeout=TIMEOUT, login_timeout=TIMEOUT,
            ) as conn:
                yield conn
        except (OSError, asyncssh.Error) as error:
            raise RemoteError(self.server, f"SSH to {self.user}@{self.host}:{self.port}: {describe(error)}") from None

    async def run(self, command: str) -> tuple[int, str]:
        """Run a configured command; its exit status and output (stdout, then stderr)."""
        async with self._connect() as conn:
            try:
                done = await conn.run(command, check=False, timeout=TIMEOUT)
            except (asyncssh.Error, TimeoutError) as error:
                raise RemoteError(self.server, f"{command!r}: {describe(error)}") from None
        output = f"{done.stdout or ''}{done.stderr or ''}".strip()
        return done.exit_status if done.exit_status is not None else -1, output

    async def maps(self) -> list[MapFile]:
        """The ``.pk3`` files in the maps folder, by name."""
        async with self._connect() as conn, conn.start_sftp_client() as sftp:
            try:
                entries = await sftp.readdir(self.maps_dir)
            except asyncssh.SFTPError as error:
                raise RemoteError(self.server, f"{self.maps_dir}: {describe(error)}") from None
        return sorted((MapFile(e.filename, e.attrs.size or 0, bool(BASE_PAK.match(e.filename)))
                       for e in entries if e.filename.lower().endswith(".pk3")), key=lambda m: m.name.lower())

    async def put_map(self, name: str, local: Path) -> None:
        """Upload a checked map file under a temporary name, then rename it: never a half file, never over one."""
        check_deletable(name)
        final = f"{self.maps_dir.rstrip('/')}/{name}"
        partial = f"{self.maps_dir.rstrip('/')}/.{name}.part"
        async with self._connect() as conn, conn.start_sftp_client() as sftp:
            try:
                if await sftp.exists(final):
                    raise AlreadyThere(self.server, f"{name} is already on the server: delete it first")
                await sftp.put(str(local), partial)
                await sftp.chmod(partial, 0o644)
                await sftp.rename(partial, final)
            except asyncssh.SFTPError as error:
                raise RemoteError(self.server, f"{name}: {describe(error)}") from None

    async def delete_map(self, name: str) -> None:
        check_deletable(name)
        async with self._connect() as conn, conn.start_sftp_client() as sftp:
            try:
                await sftp.remove(f"{self.maps_dir.rstrip('/')}/{name}")
            except asyncssh.SFTPError as error:
                raise RemoteError(self.server, f"{name}: {describe(error)}") from None


def check_deletable(name: str) -> None:
    """A plain ``.pk3`` name in the maps folder, not one of the base paks."""
    if not PK3.match(name):
        raise ValueError(f"{name!r} is not a map file name (letters, digits, . _ -, ending in .pk3)")
    if BASE_PAK.match(name):
        raise ValueError(f"{name} is one of the game's own archives: it is never deleted or replaced")


def check_pk3(path: Path, name: str) -> int:
    """A map archive: a readable zip (every CRC right) holding at least one ``maps/*.bsp``; the number of maps.

    Raises ``ValueError`` saying what is wrong, naming the file.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            broken = archive.testzip()
    except (zipfile.BadZipFile, OSError) as error:
        raise ValueError(f"{name} is not a zip archive (a .pk3 is one): {error}") from None
    if broken is not None:
        raise ValueError(f"{name}: {broken} inside is damaged (CRC mismatch)")
    unsafe = [n for n in names if n.startswith("/") or ".." in n.split("/")]
    if unsafe:
        raise ValueError(f"{name}: unsafe path inside: {unsafe[0]}")
    maps = [n for n in names if n.lower().startswith("maps/") and n.lower().endswith(".bsp")]
    if not maps:
        raise ValueError(f"{name} holds no maps/*.bsp: not a map")
    return len(maps)


def resolve(kernel: Any, server: str, entry: Any) -> Host | None:
    """The SSH host of a configured game server (``entry.ssh``), or None when it has none.

    Raises ``LookupError`` naming what is missing: the SSH adapter's settings are config like any other.
    """
    if entry.ssh is None:
        return None
    settings = kernel.settings_for("ssh")
    found = next((s for s in getattr(settings, "servers", []) if s.name == entry.ssh), None)
    if found is None:
        raise LookupError(f"no [[adapters.ssh.servers]] entry named {entry.ssh!r} (is the ssh adapter enabled?)")
    return Host(server=server, host=found.host, port=found.port, user=found.user, key_path=found.key_path,
                known_hosts=found.known_hosts, maps_dir=entry.maps_dir, start_command=entry.start_command,
                stop_command=entry.stop_command, restart_command=entry.restart_command)

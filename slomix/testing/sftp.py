"""A fake ET:Legacy game server for tests: its SFTP side and its Lua side.

- ``sftp_server``: a real asyncssh SFTP server on loopback, chrooted to a temporary folder
  (``gamestats/``, ``gametimes/``, ``proximity/``), with a generated host key, key
  authentication with a generated client key, and a known_hosts file for the client. It can
  be stopped and started again on the same port, and like a server not run by root it
  refuses to serve a file without the owner's read bit (``path.chmod(0)``). Shell commands
  (exec requests) are recorded in ``commands`` and answered from ``answers``.
- ``fake_et``: ``fake_et(script, ...)`` loads game-server Lua modules, each in its own Lua 5.4
  VM (lupa), under a fake engine speaking the ``et`` API subset of spec lua-proximity-web
  §A2; the test drives frames, game states, players (positions, view angles, health, weapon,
  stance, class), damage, kills, spawns, revives, console lines and votes, and reads the shell
  commands the modules ran (captured, and only run when the test allows it). ``engine.api_calls``
  counts the ``et`` calls the modules made (what a frame costs the engine).
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

FOLDERS = ("gamestats", "gametimes", "proximity")


class SftpServer:
    """One SFTP server on 127.0.0.1. ``root`` is what the client sees as ``/``."""

    def __init__(self, root: Path, keys: Path) -> None:
        import asyncssh

        self.root = root
        self.host = "127.0.0.1"
        self.port = 0
        self.user = "et"
        self.logins = 0
        self.host_key = asyncssh.generate_private_key("ssh-ed25519")
        client_key = asyncssh.generate_private_key("ssh-ed25519")
        keys.mkdir(parents=True, exist_ok=True)
        self.client_key = keys / "id_ed25519"
        client_key.write_private_key(self.client_key)
        self.client_key.chmod(0o600)
        self.known_hosts = keys / "known_hosts"
        self._authorized = asyncssh.import_authorized_keys(client_key.export_public_key().decode())
        self._acceptor: Any = None
        self._connections: set[Any] = set()
        # Shell commands clients ran (exec requests), and what each answers: command -> (exit status, output).
        self.commands: list[str] = []
        self.answers: dict[str, tuple[int, str]] = {}
        for folder in FOLDERS:
            (root / folder).mkdir(parents=True, exist_ok=True)

    async def start(self) -> None:
        """Listen (again, on the same port after a stop) and write the client's known_hosts."""
        import asyncssh

        session, files = _server_classes()
        self._acceptor = await asyncssh.listen(
            self.host, self.port, server_host_keys=[self.host_key], authorized_client_keys=self._authorized,
            server_factory=lambda: session(self), sftp_factory=lambda chan: files(chan, self.root),
            process_factory=self._run, allow_scp=False)
        self.port = self._acceptor.get_port()
        self.known_hosts.write_text(self.known_hosts_line())

    async def stop(self) -> None:
        """Stop listening and drop every open connection (a server going down)."""
        acceptor, self._acceptor = self._acceptor, None
        if acceptor is not None:
            acceptor.close()
        for conn in list(self._connections):
            conn.close()
            await conn.wait_closed()
        if acceptor is not None:
            await acceptor.wait_closed()  # since Python 3.12 this waits for the connections too

    def _run(self, process: Any) -> None:
        """An exec request: recorded, answered from ``answers`` (unknown commands: exit 127)."""
        command = process.command or ""
        self.commands.append(command)
        status, output = self.answers.get(command, (127, f"sh: {command.split(' ')[0]}: not found\n"))
        (process.stdout if status == 0 else process.stderr).write(output)
        process.exit(status)

    def known_hosts_line(self, key: Any = None) -> str:
        """A known_hosts line for this server with ``key`` (default: its real host key)."""
        public = (key or self.host_key).export_public_key().decode().strip()
        return f"[{self.host}]:{self.port} {public}\n"

    def server_entry(self, name: str = "gs1", **overrides: Any) -> dict[str, Any]:
        """A ``[[adapters.ssh.servers]]`` entry that reaches this server."""
        entry = {"name": name, "host": self.host, "port": self.port, "user": self.user,
                 "key_path": str(self.client_key), "known_hosts": str(self.known_hosts),
                 "stats_dir": "/gamestats", "gametimes_dir": "/gametimes", "proximity_dir": "/proximity"}
        return entry | overrides

    def write(self, relative: str, data: bytes, *, mtime: float | None = None) -> Path:
        """Put a file on the server (as the game server would), optionally with an mtime."""
        path = self.root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        if mtime is not None:
            os.utime(path, (mtime, mtime))
        return path


@functools.cache
def _server_classes() -> tuple[type, type]:
    """The asyncssh subclasses, built on first use: asyncssh is imported only by tests that need it."""
    import asyncssh

    class Session(asyncssh.SSHServer):
        def __init__(self, owner: SftpServer) -> None:
            self._owner = owner
            self._conn: Any = None

        def connection_made(self, conn: Any) -> None:
            self._conn = conn
            self._owner._connections.add(conn)

        def connection_lost(self, exc: Exception | None) -> None:
            self._owner._connections.discard(self._conn)

        def auth_completed(self) -> None:
            self._owner.logins += 1

    class GameServerFiles(asyncssh.SFTPServer):
        """Chrooted; files without the owner's read bit are refused, as for a non-root server."""

        def __init__(self, chan: Any, root: Path) -> None:
            super().__init__(chan, chroot=str(root).encode())

        def open(self, path: bytes, pflags: int, attrs: Any) -> Any:
            local = self.map_path(path)
            if os.path.exists(local) and not os.stat(local).st_mode & 0o400:
                raise asyncssh.SFTPPermissionDenied("Permission denied")
            return super().open(path, pflags, attrs)

    return Session, GameServerFiles


@pytest.fixture
async def sftp_server(tmp_path: Path) -> AsyncIterator[SftpServer]:
    """A started :class:`SftpServer`; see the module docstring."""
    server = SftpServer(tmp_path / "sftp-root", tmp_path / "ssh-client")
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


# -- the Lua side ------------------------------------------------------------------------------------

GS_PLAYING, GS_WARMUP_COUNTDOWN, GS_WARMUP, GS_INTERMISSION = 0, 1, 2, 3
CS_LEVEL_START_TIME, CS_MULTI_INFO, CS_MULTI_MAPWINNER, CS_REINFSEEDS, CS_SERVERTOGGLES = 11, 13, 14, 31, 32
PAUSED = 16
TEAM_AXIS, TEAM_ALLIES, TEAM_SPECTATOR = 1, 2, 3
ENTITYNUM_WORLD = 1022
PM_NORMAL, PM_DEAD = 0, 3
EF_CROUCHING, EF_PRONE = 0x10, 0x80000  # ps.eFlags (bg_public.h)
MOD_MP40, MOD_THOMPSON, MOD_FALLING = 8, 9, 32
# The engine's reinforcement divisors (bg_misc.c aReinfSeeds).
REINF_SEEDS = (11, 3, 13, 7, 2, 5, 1, 17)
_COLOUR = re.compile(r"\^.|[\x00-\x1f]")
# Hooks whose walk across modules stops at the first value that passes lua_isstring (§A1.0).
_STOPS_ON_ANY_VALUE = {"et_Obituary", "et_ClientConnect"}


def _raw(text: str | bytes) -> str:
    """A value as the engine holds it: bytes (UTF-8 for str), seen by lupa as latin-1 text."""
    return (text if isinstance(text, bytes) else text.encode()).decode("latin-1")


@dataclass(slots=True)
class Client:
    guid: str
    name: str | bytes
    team: int
    connected: bool = True
    last_spawn: int = 0
    origin: tuple[float, float, float] = (0.0, 0.0, 0.0)
    viewangles: tuple[float, float, float] = (0.0, 0.0, 0.0)  # pitch, yaw, roll
    health: int = 100
    weapon: int = 8
    eflags: int = 0
    pm_type: int = PM_NORMAL
    player_type: int = 0  # 0 soldier, 1 medic, 2 engineer, 3 field ops, 4 covert ops
    last_revive: int = -1


@dataclass(frozen=True, slots=True)
class PlayedRound:
    """What :meth:`FakeEt.play_round` did, for assertions."""

    start_unix: int
    end_unix: int
    pause_seconds: int


class FakeEt:
    """The engine around game-server Lua modules. Every module has its own VM, as on a server."""

    def __init__(self, homepath: Path, *, now: float, cvars: dict[str, Any] | None = None,
                 shell: Callable[[str], bool] = lambda command: "curl" not in command) -> None:
        self.homepath = homepath
        self.now = now
        self.level_time = 0
        self.paused = False
        self.cvars: dict[str, str] = {}
        for key, value in {"fs_homepath": homepath, "fs_basepath": homepath, "fs_game": "legacy",
                           "gamestate": -1, "mapname": "supply", "sv_maxclients": 20, "timelimit": 10,
                           "g_currentRound": 0, "net_ip": "127.0.0.1", "net_port": 27960, "sv_fps": 20,
                           "g_redlimbotime": 30000, "g_bluelimbotime": 30000, **(cvars or {})}.items():
            self.cvars[key.lower()] = str(value)
        self.configstrings: dict[int, str] = {}
        self.clients: dict[int, Client] = {}
        self.argv: list[str] = []
        self.commands: list[str] = []
        self.console: list[str] = []
        self.shell = shell
        self.scripts: list[Path] = []
        self.modules: list[Any] = []
        self.api_calls = 0

    # -- modules -------------------------------------------------------------------------------------

    def load(self, *scripts: Path) -> FakeEt:
        """Load modules (in ``lua_modules`` order) and send them ``et_InitGame``."""
        self.scripts = list(scripts)
        self._start_modules()
        self.call("et_InitGame", self.level_time, 0, 0)
        return self

    def _start_modules(self) -> None:
        self.modules = [self._vm(script) for script in self.scripts]

    def _vm(self, script: Path) -> Any:
        from lupa.lua54 import LuaRuntime

        lua = LuaRuntime(unpack_returned_tuples=True, encoding="latin-1")
        g = lua.globals()
        g.et = lua.table_from(self._api(lua))
        g.os.time = lambda *_: int(self.now)
        # lupa's Lua has no io.popen: an allowed command runs here and Lua reads its output file.
        lua.eval("""function(record, allowed, popen_output)
            local execute = os.execute
            os.execute = function(command)
                if command == nil then return true end
                record(command)
                if allowed(command) then return execute(command) end
                return true, "exit", 0
            end
            io.popen = function(command)
                record(command)
                return io.open(allowed(command) and popen_output(command) or "/dev/null", "r")
            end
        end""")(self._record, self.shell, self._popen_output)
        chunk = g.loadfile(str(script))
        if isinstance(chunk, tuple):
            raise RuntimeError(f"cannot load {script}: {chunk[1]}")
        chunk()
        return lua

    def _popen_output(self, command: str) -> str:
        output = self.homepath / ".popen-output"
        result = subprocess.run(command.encode("latin-1"), shell=True, capture_output=True, check=False)
        output.write_bytes(result.stdout)
        return str(output)

    def _record(self, command: str) -> None:
        self.commands.append(command.encode("latin-1").decode("utf-8", "replace"))

    def call(self, hook: str, *args: Any) -> list[Any]:
        """Call ``hook`` in every module that defines it, as the engine walks them; the returns."""
        results = []
        for lua in self.modules:
            function = lua.globals()[hook]
            if function is None:
                continue
            value = function(*args)
            results.append(value)
            if hook in _STOPS_ON_ANY_VALUE and isinstance(value, str | int | float):
                break
        return results

    # -- the et API (§A2) -------------------------------------------------------------------------------

    def _api(self, lua: Any) -> dict[str, Any]:
        functions = {
            "RegisterModname": lambda name: None, "FindSelf": lambda: 0,
            "G_Print": self.console.append, "G_LogPrint": self._log_print,
            "trap_Cvar_Get": lambda name: self.cvars.get(name.lower(), ""),
            "trap_Cvar_Set": lambda name, value: self.cvars.__setitem__(name.lower(), str(value)),
            "trap_GetConfigstring": lambda index: self.configstrings.get(int(index), ""),
            "trap_GetUserinfo": self._userinfo, "Info_ValueForKey": _info_value,
            "Q_CleanStr": lambda text: _COLOUR.sub("", text),
            "trap_Argv": lambda i: self.argv[int(i)] if 0 <= int(i) < len(self.argv) else "",
            "trap_Argc": lambda: len(self.argv),
            "trap_SendServerCommand": lambda client, command: self.console.append(command),
            "trap_SendConsoleCommand": lambda when, command: self.console.append(command),
            "trap_Milliseconds": lambda: self.level_time,
            "gentity_get": functools.partial(self._gentity_get, lua),
        }
        counted = {name: self._counted(function) for name, function in functions.items()}
        return counted | {
            "CS_SERVERINFO": 0, "CS_LEVEL_START_TIME": CS_LEVEL_START_TIME, "CS_MULTI_INFO": CS_MULTI_INFO,
            "CS_MULTI_MAPWINNER": CS_MULTI_MAPWINNER, "CS_REINFSEEDS": CS_REINFSEEDS,
            "CS_SERVERTOGGLES": CS_SERVERTOGGLES,
            "EXEC_NOW": 0, "EXEC_INSERT": 1, "EXEC_APPEND": 2, "FS_READ": 0, "FS_WRITE": 1, "FS_APPEND": 2,
            "TEAM_AXIS": TEAM_AXIS, "TEAM_ALLIES": TEAM_ALLIES, "TEAM_SPECTATOR": TEAM_SPECTATOR,
        }

    def _counted(self, function: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any) -> Any:
            self.api_calls += 1
            return function(*args)

        return call

    def _log_print(self, text: str) -> None:
        self.console.append(text)
        self.call("et_Print", text)

    def _userinfo(self, slot: int) -> str:
        client = self.clients.get(int(slot))
        if client is None:
            return ""
        return f"\\name\\{_raw(client.name)}\\cl_guid\\{client.guid}\\ip\\127.0.0.1"

    def _gentity_get(self, lua: Any, ent: int, field: str, index: Any = None) -> Any:
        client = self.clients.get(int(ent))
        if client is None:
            values: dict[str, Any] = {"inuse": False, "pers.connected": 0, "pers.netname": "",
                                      "pers.lastSpawnTime": 0, "sess.sessionTeam": 0}
        else:
            values = {
                "inuse": client.connected, "pers.connected": 2 if client.connected else 0,
                "pers.netname": _raw(client.name), "pers.lastSpawnTime": client.last_spawn,
                "pers.lastrevive_client": client.last_revive,
                "sess.sessionTeam": client.team, "sess.playerType": client.player_type,
                "health": client.health, "ps.weapon": client.weapon, "ps.eFlags": client.eflags,
                "ps.pm_type": client.pm_type,
                # vec3 fields arrive in Lua as 1-based tables of floats (g_lua.c _etH_gentity_getvec3).
                "ps.origin": lua.table_from([float(v) for v in client.origin]),
                "ps.viewangles": lua.table_from([float(v) for v in client.viewangles]),
            }
        if field not in values:
            raise ValueError(f"invalid gentity field: {field}")
        return values[field]

    # -- driving the server ----------------------------------------------------------------------------

    def set_gamestate(self, gamestate: int) -> None:
        self.cvars["gamestate"] = str(gamestate)

    def run(self, seconds: float, frame_ms: int = 50) -> None:
        """Let time pass frame by frame; level time stands still while paused (wall time does not)."""
        for _ in range(round(seconds * 1000 / frame_ms)):
            self.now += frame_ms / 1000
            if not self.paused:
                self.level_time += frame_ms
            self.call("et_RunFrame", self.level_time)

    def map_restart(self) -> None:
        """Shut the modules down, reload them (their state is lost) and init with restart=1."""
        self.call("et_ShutdownGame", 1)
        self._start_modules()
        self.call("et_InitGame", self.level_time, 0, 1)

    def connect(self, slot: int, guid: str, name: str | bytes, team: int) -> None:
        self.clients[slot] = Client(guid, name, team)
        self.call("et_ClientConnect", slot, 1, 0)
        self.call("et_ClientBegin", slot)

    def disconnect(self, slot: int) -> None:
        self.call("et_ClientDisconnect", slot)
        self.clients.pop(slot, None)

    def spawn(self, slot: int, revived: bool = False, *, at: tuple[float, float, float] | None = None) -> None:
        """ClientSpawn: alive with full health (at ``at`` when given), then ``et_ClientSpawn``."""
        client = self.clients[slot]
        client.last_spawn = self.level_time
        client.health, client.pm_type = 100, PM_NORMAL
        if at is not None:
            client.origin = at
        self.call("et_ClientSpawn", slot, int(revived), 0, 1)

    def revive(self, slot: int, medic: int) -> None:
        """A medic's revive: the engine respawns the body where it lies (``revived`` = 1)."""
        self.clients[slot].last_revive = medic
        self.spawn(slot, revived=True)

    def kill(self, victim: int, killer: int, means_of_death: int = 8) -> list[Any]:
        """An obituary; returns what each module returned (the walk stops at a value)."""
        client = self.clients.get(victim)
        if client is not None:
            client.pm_type, client.health = PM_DEAD, min(client.health, 0)
        return self.call("et_Obituary", victim, killer, means_of_death)

    def damage(self, target: int, attacker: int, amount: int, means_of_death: int = MOD_MP40) -> bool:
        """G_Damage on a player: ``et_Damage`` first (a module answering 1 cancels it), then the
        health drops and a player brought to 0 or below dies (``et_Obituary``). True if applied."""
        client = self.clients[target]
        for lua in self.modules:
            function = lua.globals()["et_Damage"]
            if function is not None and function(target, attacker, amount, 0, means_of_death) == 1:
                return False
        alive = client.health > 0
        client.health -= amount
        if alive and client.health <= 0:
            self.kill(target, attacker, means_of_death)
        return True

    def move(self, slot: int, x: float, y: float, z: float = 0.0, *, yaw: float | None = None,
             pitch: float | None = None) -> None:
        client = self.clients[slot]
        client.origin = (x, y, z)
        if yaw is not None or pitch is not None:
            old_pitch, old_yaw, roll = client.viewangles
            client.viewangles = (old_pitch if pitch is None else pitch, old_yaw if yaw is None else yaw, roll)

    def log_print(self, text: str) -> None:
        """A line the engine logs (``G_LogPrintf``): every module's ``et_Print`` sees it."""
        self._log_print(text)

    def set_reinforcements(self, *, axis_ms: int, allies_ms: int, seeds: str) -> None:
        """The limbo times (``g_redlimbotime`` Axis, ``g_bluelimbotime`` Allies) and the seeds
        configstring the engine builds in G_loadMatchGame: ``"<blue packed> <red packed> s0 … s7"``."""
        self.cvars.update(g_redlimbotime=str(axis_ms), g_bluelimbotime=str(allies_ms))
        self.configstrings[CS_REINFSEEDS] = seeds

    def wave_offset(self, team: int) -> int:
        """The engine's reinforcement offset (ms) of a team, from the seeds configstring (g_match.c)."""
        words = [int(w) for w in self.configstrings.get(CS_REINFSEEDS, "").split()]
        index = (words[0] >> 3 if team == TEAM_ALLIES else words[1] >> 2) % 8
        return 1000 * words[2 + index] // REINF_SEEDS[index]

    def client_command(self, slot: int, *argv: str) -> list[Any]:
        self.argv = list(argv)
        try:
            return self.call("et_ClientCommand", slot, argv[0])
        finally:
            self.argv = []

    def pause(self, paused: bool) -> None:
        toggles = int(self.configstrings.get(CS_SERVERTOGGLES) or 0)
        self.configstrings[CS_SERVERTOGGLES] = str(toggles | PAUSED if paused else toggles & ~PAUSED)
        self.paused = paused

    def play_round(self, players: Iterable[tuple[str, str | bytes, int]], *, map_name: str = "supply",
                   round_number: int = 1, timelimit: float = 10, warmup: float = 30, play: float = 240,
                   pause: float = 20, winner: int = TEAM_ALLIES, defender: int = TEAM_AXIS,
                   surrender_by: int | None = None) -> PlayedRound:
        """A scripted stopwatch round: map load in warmup, countdown, map_restart into play,
        spawns and deaths (one player dies and respawns on each wave), a pause half-way, an
        optional surrender vote, the winner decided and the intermission frame.
        ``players`` are (guid, name, team); slots are given in order from 0.
        """
        self.cvars.update(mapname=map_name, timelimit=str(timelimit), gamestate=str(GS_WARMUP),
                          g_currentround="0" if round_number == 1 else "1")
        self.configstrings[CS_MULTI_INFO] = f"\\d\\{defender - 1}"
        self.configstrings.pop(CS_MULTI_MAPWINNER, None)
        if round_number == 1:
            self.load(*self.scripts)  # a map load
        else:
            self.map_restart()  # stopwatch: the second half starts with a map_restart
        roster = list(players)
        for slot, (guid, name, team) in enumerate(roster):
            self.connect(slot, guid, name, team)
            self.spawn(slot)
        self.run(max(0.0, warmup - 10))
        self.set_gamestate(GS_WARMUP_COUNTDOWN)
        self.run(min(10.0, warmup))
        self.set_gamestate(GS_PLAYING)
        self.configstrings[CS_LEVEL_START_TIME] = str(self.level_time + 1000)
        self.map_restart()
        self.run(1)
        start_unix = int(self.now)
        for slot in range(len(roster)):
            self.spawn(slot)
        waves = max(1, int(play // 30))
        for wave in range(waves):
            victim, killer = wave % len(roster), (wave + 1) % len(roster)
            self.run(5)
            self.kill(victim, killer)
            self.run(10)
            self.spawn(victim)
            if wave == waves // 2 and pause > 0:
                self.pause(True)
                self.run(pause)
                self.pause(False)
            if wave == waves // 2 and surrender_by is not None:
                self.client_command(surrender_by, "callvote", "surrender")
            self.run(15)
        self.configstrings[CS_MULTI_MAPWINNER] = f"\\w\\{winner - 1}" if winner else ""
        self.cvars["g_currentround"] = "1" if round_number == 1 else "0"
        self.set_gamestate(GS_INTERMISSION)
        self.run(0.05)
        end_unix = int(self.now)
        self.run(1)
        return PlayedRound(start_unix=start_unix, end_unix=end_unix, pause_seconds=round(pause))


def _info_value(info: str, key: str) -> str:
    parts = info.split("\\")
    pairs = parts[1:] if parts and parts[0] == "" else parts
    for k, v in zip(pairs[::2], pairs[1::2], strict=False):
        if k.lower() == key.lower():
            return v
    return ""


@pytest.fixture
def fake_et(tmp_path: Path) -> Callable[..., FakeEt]:
    """Factory: ``fake_et(*scripts, now=..., cvars=..., shell=...)`` -> a loaded :class:`FakeEt`.

    ``fs_homepath`` is a temporary folder; shell commands containing ``curl`` are recorded
    but not run unless ``shell`` says otherwise.
    """

    def factory(*scripts: Path, now: float, cvars: dict[str, Any] | None = None,
                shell: Callable[[str], bool] | None = None, load: bool = True) -> FakeEt:
        home = tmp_path / "et-home"
        home.mkdir(exist_ok=True)
        engine = FakeEt(home, now=now, cvars=cvars, **({"shell": shell} if shell else {}))
        engine.scripts = list(scripts)
        return engine.load(*scripts) if load else engine

    return factory

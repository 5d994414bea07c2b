"""``[plugins.servers]``: the game servers, one table each, and how they are watched."""

from __future__ import annotations

import re
from typing import Annotated

import msgspec

from slomix.kernel import Secret

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")

# Console commands ``!rcon`` may run unless the config says otherwise: read-only queries and the
# match controls an admin needs. Not exec, vstr, set, quit or rconpassword: those rewrite the server.
DEFAULT_ALLOW = ("status", "serverinfo", "systeminfo", "uptime", "dumpuser", "map", "map_restart", "say", "qsay",
                 "cp", "clientkick", "kick", "mute", "unmute", "ref", "start_match", "reset_match", "swap_teams",
                 "shuffle_teams", "shuffle_teams_sr", "listcampaigns", "lua_status", "timelimit", "g_currentRound",
                 "gamestate", "g_gametype")


class ServerEntry(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``[plugins.servers.servers.<name>]``: where one server listens and its RCON password."""

    host: str
    port: Annotated[int, msgspec.Meta(ge=1, le=65535)] = 27960
    rcon_password: Secret | None = None
    timeout_seconds: Annotated[float, msgspec.Meta(gt=0, le=10)] = 1.5
    retries: Annotated[int, msgspec.Meta(ge=0, le=5)] = 1
    # Life cycle over SSH: the SSH adapter's server of this name, and the shell commands to run there.
    ssh: str | None = None
    start_command: str | None = None  # e.g. "cd ~/etlegacy && screen -dmS et ./etlded.x86_64 +exec server.cfg"
    stop_command: str | None = None  # e.g. "screen -S et -X quit"
    restart_command: str | None = None  # default: the stop command, then the start command
    maps_dir: str = "etmain"  # where map .pk3 files live, as the SSH user sees it
    maps_cache_seconds: Annotated[float, msgspec.Meta(ge=0)] = 86400.0


class Watchdog(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``[plugins.servers.watchdog]``: a server without a human this long gets ``command`` (once per idle stretch)."""

    enabled: bool = False
    idle_minutes: Annotated[float, msgspec.Meta(gt=0)] = 45.0
    command: str = "map supply"  # a fresh map resets an abandoned match; map_restart breaks some Lua state
    dry_run: bool = True  # only write what it would do to the audit log


class ServersSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    servers: dict[str, ServerEntry] = {}
    # Every server is asked for its status this often (one getstatus: far under the engine's limit).
    poll_seconds: Annotated[float, msgspec.Meta(ge=5, le=3600)] = 30.0
    history_days: Annotated[int, msgspec.Meta(ge=1, le=3650)] = 30
    rcon_allow: list[str] = msgspec.field(default_factory=lambda: list(DEFAULT_ALLOW))
    # The largest map file an admin may upload (POST /api/servers/<name>/maps).
    max_map_bytes: Annotated[int, msgspec.Meta(ge=1024, le=1024**3)] = 100 * 1024 * 1024
    watchdog: Watchdog = msgspec.field(default_factory=Watchdog)
    # `!kick` passes this as clientkick's second argument: a temporary ban, in seconds (the engine's default).
    kick_ban_seconds: Annotated[int, msgspec.Meta(ge=0, le=86400)] = 300

    def __post_init__(self) -> None:
        for name in self.servers:
            if not NAME.match(name):
                raise ValueError(f"server name {name!r}: lower-case letters, digits, _ and -, at most 32")

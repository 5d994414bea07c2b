"""``[adapters.ssh]``: the game servers to poll and the round-end webhook."""

from __future__ import annotations

from typing import Annotated

import msgspec

from slomix.kernel import Secret

_Name = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")]
_Seconds = Annotated[float, msgspec.Meta(gt=0, le=86_400)]


class GameServer(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One ``[[adapters.ssh.servers]]`` entry.

    ``known_hosts`` is an OpenSSH known_hosts file holding the server's host key: a server
    whose key is not in it is refused (never learned on first use). Folders that are unset
    are not polled; endstats usually share the stats folder.
    """

    name: _Name  # also the folder under <data_dir>/incoming and the ``ssh:<name>`` source
    host: str
    user: str
    key_path: str
    known_hosts: str
    port: Annotated[int, msgspec.Meta(ge=1, le=65_535)] = 22
    stats_dir: str = "/home/et/.etlegacy/legacy/gamestats"
    endstats_dir: str | None = None
    gametimes_dir: str | None = None
    proximity_dir: str | None = None
    demos_dir: str | None = None  # e.g. /home/et/.etlegacy/legacy/demos (server-side .tv_84 or autorecords)

    def folders(self) -> list[str]:
        """The remote folders to list, each once, in a stable order."""
        wanted = (self.stats_dir, self.endstats_dir, self.gametimes_dir, self.proximity_dir, self.demos_dir)
        return list(dict.fromkeys(f.rstrip("/") or "/" for f in wanted if f))


class SshSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``[adapters.ssh]``."""

    servers: list[GameServer] = []
    # Regular cadence of the listing.
    poll_seconds: _Seconds = 30.0
    # The cadence while nobody plays (``on_activity``: no evening open in voice); unset: poll_seconds.
    idle_poll_seconds: _Seconds | None = None
    # A new file is fetched once two listings this far apart show the same size and mtime;
    # also the cadence while such a file waits and during a burst after a webhook.
    settle_seconds: _Seconds = 0.5
    # After a round-end webhook, poll at the settle cadence this long (the stats file
    # usually lands a second or two after the webhook).
    burst_seconds: _Seconds = 30.0
    # Reconnect delays double from 1 s up to this after each failed attempt.
    backoff_max_seconds: _Seconds = 300.0
    connect_timeout_seconds: _Seconds = 15.0
    # Files larger than this are reported and left on the server.
    max_file_bytes: Annotated[int, msgspec.Meta(gt=0)] = 64 << 20
    # A file that failed (permission denied, too large) is tried again after this long.
    retry_failed_seconds: _Seconds = 300.0
    # The round-end webhook: HMAC-SHA256 shared secret, replay window, body limit.
    webhook_secret: Secret = Secret(env="SLOMIX_WEBHOOK_SECRET")
    webhook_window_seconds: Annotated[int, msgspec.Meta(ge=1, le=3600)] = 300
    webhook_max_bytes: Annotated[int, msgspec.Meta(ge=1024, le=16 << 20)] = 256 << 10

    def __post_init__(self) -> None:
        names = [s.name for s in self.servers]
        if len(set(names)) != len(names):
            raise ValueError("server names must be unique")

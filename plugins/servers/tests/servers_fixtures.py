"""What the servers tests share: a real round's server name and players, the config pointing at fakes."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from slomix.testing.gameserver import FakePlayer

STATS = "2025-10-14-212214-etl_adlernest-round-1.txt"
PASSWORD = "s3cret-Rcon"


def real_round(shared_data: Path) -> tuple[str, list[FakePlayer]]:
    """The server name and the players (names with their colour codes, teams) of a real round."""
    header, *lines = (shared_data / "stats" / STATS).read_text("utf-8").splitlines()
    players = []
    for i, line in enumerate(lines):
        _guid, name, _, team = line.split("\\")[:4]
        players.append(FakePlayer(name, team=int(team), score=10 * (i + 1), ping=30 + i,
                                  address=f"198.51.100.{i + 1}:27960"))
    return header.split("\\")[0], players


def config(*servers, **settings) -> dict:
    """``[plugins.servers]`` naming each (name, server) pair."""
    return {"plugins": {"servers": {"servers": {name: s.entry(name) for name, s in servers}, **settings}}}


def pk3(*names: str) -> bytes:
    """A map archive holding these files (each a few KB)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            archive.writestr(name, b"IBSP" + b"\0" * 4000)
    return buffer.getvalue()

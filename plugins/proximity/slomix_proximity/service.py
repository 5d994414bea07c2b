"""What commands, routes and pages share: the database, naming players and scopes, drawn images (cached)."""

from __future__ import annotations

import inspect
import re
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import anyio

from slomix.kernel import Kernel, UsageError
from slomix_stats import api as stats

from . import queries, render
from .scope import Scope, latest_session, round_ids, session_named
from .settings import ProximitySettings

DATE = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?")
MENTION = re.compile(r"<@!?(\d+)>")
IMAGE_CACHE = 64


@dataclass(slots=True)
class Proximity:
    kernel: Kernel
    settings: ProximitySettings
    _images: OrderedDict[tuple, bytes] = field(default_factory=OrderedDict)

    @property
    def db(self) -> Any:
        return self.kernel.db.pool

    @property
    def timezone(self) -> str:
        return stats.server_timezone(self.kernel)

    # -- naming -------------------------------------------------------------------------------

    async def player(self, text: str) -> tuple[str, str]:
        """(GUID, name) of the one player ``text`` names: a GUID, a name, a linked Discord mention."""
        text = text.strip()
        mention = MENTION.fullmatch(text)
        if mention:
            guid = await stats.linked_guid(self.db, int(mention.group(1)))
            if guid is None:
                raise UsageError(f"{text} has not linked a game account (!link)")
            return guid, (await queries.names(self.db, [guid])).get(guid, guid)
        found = [(m.guid, m.name) for m in await stats.find_players(self.db, text, limit=6)]
        if not found:  # someone the stats files never named (a demo-only player): the telemetry's own names
            rows = await self.db.fetch(
                """SELECT DISTINCT guid FROM proximity.players WHERE upper(guid) = upper($1) OR lower(name) = lower($1)
                   OR lower(name) LIKE '%' || lower($2) || '%' LIMIT 6""",
                text, text.replace("%", r"\%").replace("_", r"\_"))
            named = await queries.names(self.db, [r["guid"] for r in rows])
            found = sorted(named.items())
        if not found:
            raise UsageError(f"no player matches {text!r}")
        if len(found) > 1:
            listing = "; ".join(f"{name} ({guid})" for guid, name in found)
            raise UsageError(f"{text!r} matches {len(found)} players: {listing}. Use the GUID.")
        return found[0]

    async def scope(self, *, session: str | None = None, map_name: str | None = None, player: str | None = None,
                    latest: bool = False) -> tuple[Scope, dict[str, str]]:
        """A scope from user words, and the names it mentions. ``latest``: no session named means the
        latest session with telemetry (all recorded rounds when nothing is linked to a session yet)."""
        named: dict[str, str] = {}
        guid = None
        if player:
            guid, named[guid] = await self.player(player)
        start = await session_named(self.db, session) if session else (
            await latest_session(self.db, self.timezone) if latest else None)
        return Scope(session=start, map_name=map_name, guid=guid), named

    @staticmethod
    def split_date(text: str | None) -> tuple[str | None, str | None]:
        """``vid 2025-10-12`` → (``vid``, ``2025-10-12``): a trailing date names the session."""
        words = (text or "").split()
        if words and DATE.fullmatch(words[-1]):
            return " ".join(words[:-1]) or None, words[-1]
        return text or None, None

    async def rounds(self, scope: Scope) -> list[int]:
        return await round_ids(self.db, scope)

    # -- images --------------------------------------------------------------------------------

    async def version(self) -> tuple[int, int]:
        """Changes whenever a round is stored or replaced (images drawn before are stale)."""
        row = await self.db.fetchrow("SELECT count(*) AS n, coalesce(max(id), 0) AS last FROM proximity.rounds")
        return row["n"], row["last"]

    async def image(self, key: tuple, draw: Callable[[], Any]) -> bytes:
        """An image drawn once per version of the data. ``draw`` is a coroutine function, or a plain
        function (run in a worker thread: matplotlib takes a tenth of a second)."""
        key = (await self.version(), *key)
        if key not in self._images:
            self._images[key] = await draw() if inspect.iscoroutinefunction(draw) else \
                await anyio.to_thread.run_sync(draw)
            while len(self._images) > IMAGE_CACHE:
                self._images.popitem(last=False)
        self._images.move_to_end(key)
        return self._images[key]

    async def heatmap(self, scope: Scope, kind: str, names: dict[str, str]) -> bytes:
        """The heatmap of ``kind`` for the scope over its map (a map must be in the scope)."""
        assert scope.map_name is not None

        async def draw() -> bytes:
            ids = await self.rounds(scope)
            grid = await queries.heat_grid(self.db, ids, kind, scope.guid)
            everyone = await self.rounds(Scope(map_name=scope.map_name))
            shape = await queries.heat_grid(self.db, everyone, "presence")
            title = f"{kind.capitalize()} — {scope.describe(names)} ({len(ids)} round{'s' * (len(ids) != 1)})"
            overview = self.settings.overviews.get(scope.map_name)
            return await anyio.to_thread.run_sync(
                lambda: render.heatmap_png(grid, shape, kind=kind, title=title, overview=overview))

        return await self.image(("heat", scope, kind), draw)

    async def distances(self, scope: Scope, summary: queries.EngagementSummary, names: dict[str, str]) -> bytes:
        return await self.image(("distances", scope), lambda: render.distance_png(
            summary.distances_m, f"Engagement distances — {scope.describe(names)}"))

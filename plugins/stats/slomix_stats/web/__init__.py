"""The stats plugin's dashboard pages, server-rendered; the HTTP adapter adds the site's shell.

Every figure comes from :mod:`slomix_stats.queries`. The session page offers the panel
slot ``session``: another plugin adds to it with a page route tagged ``panel:session``
whose handler gets the path parameter ``start`` (the session start, ISO 8601).
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from slomix.kernel import Route, Tier

from ..commands.common import State
from ..routes import BoardQuery, RecordsQuery
from . import admin, boards, home, players, rounds, sessions

PageNumber = Annotated[int, msgspec.Meta(ge=1, le=100_000)]


class PlayersQuery(msgspec.Struct, forbid_unknown_fields=True):
    q: Annotated[str, msgspec.Meta(max_length=64)] = ""
    page: PageNumber = 1


class SessionsQuery(msgspec.Struct, forbid_unknown_fields=True):
    month: Annotated[str, msgspec.Meta(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] | None = None


def page_routes(state: State) -> list[Route]:
    """Every page; handlers read ``state.q`` (set when the plugin starts)."""
    return [
        Route("GET", "/", home.page(state), summary="Latest session, top players, status", kind="page",
              nav="Home", nav_order=0),
        Route("GET", "/sessions", sessions.listing(state), summary="Gaming sessions", kind="page",
              query_type=SessionsQuery, nav="Sessions", nav_order=10),
        Route("GET", "/sessions/{start}", sessions.detail(state), summary="A gaming session", kind="page"),
        Route("GET", "/leaderboards", boards.leaderboards(state), summary="Leaderboards", kind="page",
              query_type=BoardQuery, nav="Leaderboards", nav_order=20),
        Route("GET", "/players", players.listing(state), summary="Players", kind="page", query_type=PlayersQuery,
              nav="Players", nav_order=30),
        Route("GET", "/players/{guid}", players.profile(state), summary="A player", kind="page"),
        Route("GET", "/records", boards.records(state), summary="Records", kind="page", query_type=RecordsQuery,
              nav="Records",
              nav_order=40),
        Route("GET", "/rounds/{round_id}", rounds.detail(state), summary="A round", kind="page"),
        Route("GET", "/admin", admin.page(state), summary="Quarantine, plugins, imports", kind="page",
              tier=Tier.ADMIN, nav="Admin", nav_order=90),
    ]

"""JSON routes of the stats plugin: the same data as the commands, msgspec-typed for OpenAPI."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

import msgspec

from slomix.kernel import Request, Route, Tier

from .commands.common import State
from .queries import (
    CATEGORIES,
    PERIODS,
    FastestAttack,
    FileLine,
    Leaderboard,
    PlayerDetail,
    PlayerRef,
    Record,
    RoundDetail,
    RoundLine,
    SessionDetail,
    SessionSummary,
)

PageNumber = Annotated[int, msgspec.Meta(ge=1, le=100_000)]
Limit = Annotated[int, msgspec.Meta(ge=1, le=500)]


class PlayersQuery(msgspec.Struct, forbid_unknown_fields=True):
    q: Annotated[str, msgspec.Meta(max_length=64)] = ""
    page: PageNumber = 1


class PlayerList(msgspec.Struct):
    total: int
    page: int
    players: list[PlayerRef]


CategoryName = Literal[tuple(c.name for c in CATEGORIES)]  # type: ignore[valid-type]


class BoardQuery(msgspec.Struct, forbid_unknown_fields=True):
    """A leaderboard's filters, the same for the page (a GET form) and the API.

    An empty ``map`` or ``min_rounds`` is what a form sends for a field left blank: every map,
    and the minimum derived from the history (``StatsQueries.leaderboard``).
    """

    category: CategoryName = "kills"  # type: ignore[valid-type]
    period: Literal[tuple(PERIODS)] = "all"  # type: ignore[valid-type]
    map: Annotated[str, msgspec.Meta(max_length=64)] = ""
    min_rounds: Annotated[str, msgspec.Meta(pattern=r"^\d{0,6}$")] = ""
    page: PageNumber = 1

    def board_args(self) -> dict[str, Any]:
        """The keyword arguments of StatsQueries.leaderboard these filters mean."""
        return {"period": self.period, "map_name": self.map or None,
                "min_rounds": max(1, int(self.min_rounds)) if self.min_rounds else None}


class RecordsQuery(msgspec.Struct, forbid_unknown_fields=True):
    map: Annotated[str, msgspec.Meta(max_length=64)] = ""  # empty: every map


class RecordBook(msgspec.Struct, frozen=True, kw_only=True):
    map: str | None
    records: list[Record]
    fastest_attacks: list[FastestAttack]


class SessionsQuery(msgspec.Struct, forbid_unknown_fields=True):
    month: str | None = None
    limit: Limit = 50


class RoundsQuery(msgspec.Struct, forbid_unknown_fields=True):
    map: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    date: date | None = None
    limit: Limit = 50


class FilesQuery(msgspec.Struct, forbid_unknown_fields=True):
    status: Literal["imported", "held", "quarantined", "superseded"] | None = None
    limit: Limit = 50


class SearchQuery(msgspec.Struct, forbid_unknown_fields=True):
    q: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class Categories(msgspec.Struct):
    categories: list[str]


def _not_found(what: str) -> LookupError:
    return LookupError(f"{what} not found")


def routes(state: State) -> list[Route]:
    async def players(request: Request) -> PlayerList:
        found, total = await state.q.players(request.query.q, page=request.query.page)
        return PlayerList(total, request.query.page, found)

    async def player(request: Request) -> PlayerDetail:
        detail = await state.q.player(request.path_params["guid"].upper())
        if detail is None:
            raise _not_found(f"player {request.path_params['guid']}")
        return detail

    async def leaderboard(request: Request) -> Leaderboard:
        query = request.query
        board = await state.q.leaderboard(query.category, page=query.page, **query.board_args())
        assert board is not None  # the query type admits known categories only
        return board

    async def categories(request: Request) -> Categories:
        return Categories([c.name for c in CATEGORIES])

    async def sessions(request: Request) -> list[SessionSummary]:
        month = request.query.month
        if month is not None:
            try:
                datetime.strptime(month, "%Y-%m")
            except ValueError:
                raise _not_found(f"month {month!r} (use YYYY-MM)") from None
        return await state.q.sessions(month=month, limit=min(max(request.query.limit, 1), 500))

    async def session(request: Request) -> SessionDetail:
        text = request.path_params["start"]
        try:
            start = datetime.fromisoformat(text)
        except ValueError:
            raise _not_found(f"session {text!r} (use the session start, e.g. 2025-10-14T21:22:14, or a date)") \
                from None
        if len(text) == 10:  # a date means that day's session
            start = await state.q.session_start_for(start.date())
        detail = await state.q.session(start) if start else None
        if detail is None:
            raise _not_found(f"session {text}")
        return detail

    async def rounds(request: Request) -> list[RoundLine]:
        q = request.query
        return await state.q.rounds(map_name=q.map, day=q.date, limit=min(max(q.limit, 1), 500))

    async def round_(request: Request) -> RoundDetail:
        try:
            round_id = int(request.path_params["round_id"])
            if not 0 < round_id < 2**63:
                raise ValueError
        except ValueError:
            raise _not_found(f"round {request.path_params['round_id']!r}") from None
        detail = await state.q.round(round_id)
        if detail is None:
            raise _not_found(f"round {round_id}")
        return detail

    async def records(request: Request) -> RecordBook:
        map_name = request.query.map or None
        return RecordBook(map=map_name, records=await state.q.records(map_name),
                          fastest_attacks=await state.q.fastest_attacks(map_name))

    async def files(request: Request) -> list[FileLine]:
        return await state.q.files(status=request.query.status, limit=request.query.limit)

    async def search(request: Request) -> list[PlayerRef]:
        return await state.q.find_players(request.query.q, limit=20)

    tags = ("stats",)
    return [
        Route("GET", "/api/stats/players", players, "Players, most active first", query_type=PlayersQuery,
              response_type=PlayerList, tags=tags),
        Route("GET", "/api/stats/players/{guid}", player, "A player: lifetime, per map, per weapon, form, aliases",
              response_type=PlayerDetail, tags=tags),
        Route("GET", "/api/stats/leaderboard", leaderboard,
              "A leaderboard (?category=kills|kd|dpm|…&period=all|season|30d&map=supply&min_rounds=10)",
              query_type=BoardQuery, response_type=Leaderboard, tags=tags),
        Route("GET", "/api/stats/leaderboard/categories", categories, "Leaderboard categories",
              response_type=Categories, tags=tags),
        Route("GET", "/api/stats/sessions", sessions, "Gaming sessions, newest first", query_type=SessionsQuery,
              response_type=list[SessionSummary], tags=tags),
        Route("GET", "/api/stats/sessions/{start}", session, "A session: rounds and per-player totals",
              response_type=SessionDetail, tags=tags),
        Route("GET", "/api/stats/rounds", rounds, "Recent rounds", query_type=RoundsQuery,
              response_type=list[RoundLine], tags=tags),
        Route("GET", "/api/stats/rounds/{round_id}", round_, "A round: players, awards, versus",
              response_type=RoundDetail, tags=tags),
        Route("GET", "/api/stats/records", records,
              "Single-round records (top 3, ties named) and the fastest stopwatch attack per map (?map=supply)",
              query_type=RecordsQuery, response_type=RecordBook, tags=tags),
        Route("GET", "/api/stats/files", files, "Files received, newest first (?status=quarantined: with reasons)",
              query_type=FilesQuery, response_type=list[FileLine], tier=Tier.ADMIN, tags=tags),
        Route("GET", "/api/stats/search", search, "Find players by name or GUID", query_type=SearchQuery,
              response_type=list[PlayerRef], tags=tags),
    ]

"""JSON routes: a session's score and teams (``{date}``: a date, a session start stamp or ``latest``).

The dashboard's session page shows the matches itself, from ``on_session_matches`` (summary.py).
"""

from __future__ import annotations

from typing import Annotated

import msgspec

from slomix.kernel import Request, Route

from . import api
from .models import SessionScore, SessionTeams
from .sessions import SESSION_PATTERN


class SessionPath(msgspec.Struct):
    """``{date}``: a day (``YYYY-MM-DD``), a session's start stamp (``YYYY-MM-DD-HHMMSS``) or ``latest``."""

    date: Annotated[str, msgspec.Meta(pattern=SESSION_PATTERN, max_length=19)]


async def score(request: Request) -> SessionScore:
    return await api.session_score(request.kernel.db.pool, request.path_params["date"])


async def teams(request: Request) -> SessionTeams:
    return await api.session_teams(request.kernel.db.pool, request.path_params["date"])


async def matches(request: Request) -> list[SessionScore]:
    return await api.session_matches(request.kernel.db.pool, request.path_params["date"])


def build() -> list[Route]:
    return [
        Route("GET", "/api/stopwatch/sessions/{date}/score", score, response_type=SessionScore, path_type=SessionPath,
              summary="Stopwatch result of a gaming session, per map", tags=("stopwatch",)),
        Route("GET", "/api/stopwatch/sessions/{date}/matches", matches, response_type=list[SessionScore],
              path_type=SessionPath, tags=("stopwatch",),
              summary="Every match of a gaming session (a new one when the opponents changed), scored"),
        Route("GET", "/api/stopwatch/sessions/{date}/teams", teams, response_type=SessionTeams,
              path_type=SessionPath, summary="The persistent teams of a gaming session", tags=("stopwatch",)),
    ]

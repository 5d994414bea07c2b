"""JSON routes: a session's score and teams (``{date}``: a date, a session start stamp or ``latest``).

The dashboard's session page shows the matches itself, from ``on_session_matches`` (summary.py).
"""

from __future__ import annotations

from slomix.kernel import Request, Route

from . import api
from .models import SessionScore, SessionTeams


async def score(request: Request) -> SessionScore:
    return await api.session_score(request.kernel.db.pool, request.path_params["date"])


async def teams(request: Request) -> SessionTeams:
    return await api.session_teams(request.kernel.db.pool, request.path_params["date"])


async def matches(request: Request) -> list[SessionScore]:
    return await api.session_matches(request.kernel.db.pool, request.path_params["date"])


def build() -> list[Route]:
    return [
        Route("GET", "/api/stopwatch/sessions/{date}/score", score, response_type=SessionScore,
              summary="Stopwatch result of a gaming session, per map", tags=("stopwatch",)),
        Route("GET", "/api/stopwatch/sessions/{date}/matches", matches, response_type=list[SessionScore],
              summary="Every match of a gaming session (a new one when the opponents changed), scored",
              tags=("stopwatch",)),
        Route("GET", "/api/stopwatch/sessions/{date}/teams", teams, response_type=SessionTeams,
              summary="The persistent teams of a gaming session", tags=("stopwatch",)),
    ]

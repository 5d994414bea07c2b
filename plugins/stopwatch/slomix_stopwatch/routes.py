"""JSON routes: a session's score and teams (``{date}``: a date, a session start stamp or ``latest``)."""

from __future__ import annotations

from typing import Any

from slomix.kernel import Route

from . import api
from .models import SessionScore, SessionTeams


async def score(request: Any) -> SessionScore:
    return await api.session_score(request.kernel.db.pool, request.path_params["date"])


async def teams(request: Any) -> SessionTeams:
    return await api.session_teams(request.kernel.db.pool, request.path_params["date"])


def build() -> list[Route]:
    return [
        Route("GET", "/api/stopwatch/sessions/{date}/score", score, response_type=SessionScore,
              summary="Stopwatch result of a gaming session, per map", tags=("stopwatch",)),
        Route("GET", "/api/stopwatch/sessions/{date}/teams", teams, response_type=SessionTeams,
              summary="The persistent teams of a gaming session", tags=("stopwatch",)),
    ]

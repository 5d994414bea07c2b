"""JSON routes: a session's score and teams (``{date}``: a date, a session start stamp or ``latest``)."""

from __future__ import annotations

from datetime import datetime
from html import escape

from slomix.kernel import Request, Route

from . import api
from .models import SessionScore, SessionTeams


async def score(request: Request) -> SessionScore:
    return await api.session_score(request.kernel.db.pool, request.path_params["date"])


async def teams(request: Request) -> SessionTeams:
    return await api.session_teams(request.kernel.db.pool, request.path_params["date"])


async def session_panel(request: Request) -> str:
    """The stopwatch result per map, shown in the dashboard's session page (its ``session`` panel)."""
    try:
        result = await api.session_score(request.kernel.db.pool, datetime.fromisoformat(request.path_params["start"]))
    except (LookupError, ValueError):
        return ""
    a, b = escape(result.team_a.name), escape(result.team_b.name)
    rows = "".join(f"<tr><td>{escape(m.map_name)}</td><td class=num>{m.points_a}</td><td class=num>{m.points_b}</td>"
                   f"<td>{escape(m.description)}</td></tr>" for m in result.maps)
    return (f"<h2>Stopwatch: {a} {escape(result.score)} {b}</h2><div class=scroll><table><thead><tr><th>Map</th>"
            f"<th class=num>{a}</th><th class=num>{b}</th><th>How</th></tr></thead><tbody>{rows}</tbody></table></div>")


def build() -> list[Route]:
    return [
        Route("GET", "/stopwatch/sessions/{start}", session_panel, kind="page", tags=("panel:session",),
              summary="Stopwatch result panel of the session page"),
        Route("GET", "/api/stopwatch/sessions/{date}/score", score, response_type=SessionScore,
              summary="Stopwatch result of a gaming session, per map", tags=("stopwatch",)),
        Route("GET", "/api/stopwatch/sessions/{date}/teams", teams, response_type=SessionTeams,
              summary="The persistent teams of a gaming session", tags=("stopwatch",)),
    ]

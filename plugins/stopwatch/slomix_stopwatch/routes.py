"""JSON routes: a session's score and teams (``{date}``: a date, a session start stamp or ``latest``)."""

from __future__ import annotations

from datetime import datetime
from html import escape

from slomix.kernel import Request, Route

from . import api, store
from .models import SessionScore, SessionTeams
from .scoring import clock


async def score(request: Request) -> SessionScore:
    return await api.session_score(request.kernel.db.pool, request.path_params["date"])


async def teams(request: Request) -> SessionTeams:
    return await api.session_teams(request.kernel.db.pool, request.path_params["date"])


async def matches(request: Request) -> list[SessionScore]:
    return await api.session_matches(request.kernel.db.pool, request.path_params["date"])


async def session_panel(request: Request) -> str:
    """The stopwatch result of each match, per map, shown in the dashboard's session page (its
    ``session`` panel): the teams with their lineups, the winner, each map's attack times."""
    try:
        found = await api.session_matches(request.kernel.db.pool,
                                          datetime.fromisoformat(request.path_params["start"]))
    except (LookupError, ValueError):
        return ""
    parts = []
    for result in found:
        a, b = escape(result.team_a.name), escape(result.team_b.name)
        winner = {0: "a draw", 1: f"{a} win", 2: f"{b} win"}[result.winner]
        which = f"Stopwatch, match {result.match} of {result.matches}: " if result.matches > 1 else "Stopwatch: "
        rows = "".join(
            f"<tr><td>{escape(m.map_name)}</td><td class=num>{_time(m.r1_success, m.r1_seconds)}</td>"
            f"<td class=num>{_time(m.r2_success, m.r2_seconds)}</td><td class=num>{m.points_a}</td>"
            f"<td class=num>{m.points_b}</td><td>{escape(m.description)}</td></tr>" for m in result.maps)
        parts.append(
            f"<h2>{which}{a} {escape(result.score)} {b} <small>{winner} · {escape(result.format)}</small></h2>"
            f"<div class=scroll><table><thead><tr><th>Map</th><th class=num>R1 time</th><th class=num>R2 time</th>"
            f"<th class=num>{a}</th><th class=num>{b}</th><th>How</th></tr></thead><tbody>{rows}</tbody></table></div>")
        lineup = await store.load_teams(request.kernel.db.pool, result.session_start, result.match)
        if lineup is not None:
            parts.append("<p class=muted>" + " · ".join(
                f"<strong>{escape(t.name)}</strong>: {escape(', '.join(t.players))}" for t in lineup.teams) + "</p>")
    return "".join(parts)


def _time(success: bool | None, seconds: int | None) -> str:
    if success is None:
        return "—"
    return escape(clock(seconds)) if success else "held"


def build() -> list[Route]:
    return [
        Route("GET", "/stopwatch/sessions/{start}", session_panel, kind="page", tags=("panel:session",),
              summary="Stopwatch result panel of the session page"),
        Route("GET", "/api/stopwatch/sessions/{date}/score", score, response_type=SessionScore,
              summary="Stopwatch result of a gaming session, per map", tags=("stopwatch",)),
        Route("GET", "/api/stopwatch/sessions/{date}/matches", matches, response_type=list[SessionScore],
              summary="Every match of a gaming session (a new one when the opponents changed), scored",
              tags=("stopwatch",)),
        Route("GET", "/api/stopwatch/sessions/{date}/teams", teams, response_type=SessionTeams,
              summary="The persistent teams of a gaming session", tags=("stopwatch",)),
    ]

"""One round: its players by team, the endstats awards and the head-to-head rows."""

from __future__ import annotations

from slomix.kernel import Page, Request

from ..api import MatchMap, MatchTeam, SessionMatch
from ..commands.common import State
from ..formatting import SIDES, side
from ..matches import attacker, session_matches
from ..queries import RoundLine
from .html import (
    card,
    cards,
    duration,
    link,
    num,
    player_link,
    round_href,
    session_href,
    table,
    team,
    text,
    when,
)
from .sessions import team_name


def _round_id(value: str) -> int:
    if not value.isdigit() or len(value) > 18:
        raise LookupError(f"{value!r} is not a round number")
    return int(value)


def _stopwatch(r: RoundLine, r1: RoundLine | None) -> tuple[str, str]:
    """The stopwatch context of a round: the time it set, or the time it had to beat."""
    if r.round_number == 1:
        if r.outcome == "completed":
            return text(duration(r.duration_seconds)), "time set: round 2 must beat it"
        if r.outcome == "fullhold":
            return "Fullhold", "the attack failed: any completion in round 2 wins the map"
        return "R1", "no outcome recorded"
    if r1 is None:
        return "—", "no round 1: nothing to beat"
    beat = (f"to beat: {text(duration(r1.duration_seconds))}" if r1.outcome == "completed"
            else "round 1 was a fullhold: any completion wins")
    verdict = {"completed": "Beaten" if r1.outcome == "completed" else "Completed", "fullhold": "Held"}
    return text(verdict.get(r.outcome, r.outcome)), beat


def _map_of(matches: list[SessionMatch], round_id: int) -> tuple[SessionMatch, MatchMap] | None:
    """The scored map a round belongs to (as its R1 or its R2)."""
    return next(((match, m) for match in matches for m in match.maps if round_id in (m.r1_round_id, m.r2_round_id)),
                None)


def _teams_by_side(r: RoundLine, found: tuple[SessionMatch, MatchMap] | None) -> dict[int, tuple[MatchTeam, int]]:
    """Which persistent team (and its index in the match) played each side of the round: the
    attackers are the side that did not defend."""
    if found is None or r.defender_team not in SIDES:
        return {}
    match, m = found
    attacking = attacker(match, m, r.round_number)
    if attacking is None:
        return {}
    index = match.teams.index(attacking)
    return {3 - r.defender_team: (attacking, index), r.defender_team: (match.teams[1 - index], 1 - index)}


def _map_card(found: tuple[SessionMatch, MatchMap] | None) -> list[str]:
    """The map's stopwatch points between the two teams, and why."""
    if found is None:
        return []
    (a, b), m = found[0].teams, found[1]
    return [card("Map result", f"{team_name(a, 0)} {m.points[0]}–{m.points[1]} {team_name(b, 1)}",
                 text(m.description))]


def detail(state: State):
    async def handler(request: Request) -> Page:
        round_id = _round_id(request.path_params["round_id"])
        found = await state.q.round(round_id)
        if found is None:
            raise LookupError(f"no round {round_id}")
        r = found.round
        status = r.status if r.is_valid else f"{r.status}, not counted"
        links = [link(session_href(found.session_start), "↑ Its session")] if found.session_start else []
        if found.r1_round_id:
            links.append(link(round_href(found.r1_round_id), "← Round 1 of this map"))
        if found.r2_round_id:
            links.append(link(round_href(found.r2_round_id), "Round 2 of this map →"))
        pair = f'<p class="links">{" · ".join(links)}</p>' if links else ""
        context = _stopwatch(r, found.r1)
        scored = _map_of(await session_matches(request.kernel, found.session_start), round_id) \
            if found.session_start else None
        sides = _teams_by_side(r, scored)
        html = [f"<h1>{text(r.map)} <small>round {r.round_number}, {text(when(r.round_time))}</small></h1>", pair,
                cards([card("Winner", team(r.winner_team), f"defending: {text(side(r.defender_team))}"),
                       card("Length", text(duration(r.duration_seconds)), text(r.duration_source)),
                       card("Outcome", text(r.outcome), text(status)),
                       card("Players", text(r.players)),
                       card("Stopwatch", *context),
                       *_map_card(scored)])]
        for number in SIDES:
            rows = [[player_link(p.guid, p.name), num(p.kills), num(p.deaths), num(p.dpm, 1), num(p.damage_given),
                     num(p.damage_received), num(p.accuracy, 1), num(p.headshot_kills), num(p.revives_given),
                     num(p.gibs), num(p.xp), text(duration(p.seconds))]
                    for p in found.players if p.team == number]
            if rows:
                playing = sides.get(number)
                role = "attack" if number != r.defender_team else "defence"
                who = f" — {team_name(*playing)} <small>({role})</small>" if playing else ""
                html.append(f"<h2>{team(number)}{who}</h2>" + table(
                    ["Player", ("Kills", True), ("Deaths", True), ("DPM", True), ("Damage", True), ("Taken", True),
                     ("Acc %", True), ("HS kills", True), ("Revives", True), ("Gibs", True), ("XP", True),
                     ("Time", True)], rows))
        if found.awards:
            rows = [[text(a.award), player_link(a.guid, a.player) if a.guid else text(a.player), text(a.value)]
                    for a in found.awards]
            html.append("<h2>Awards</h2>" + table(["Award", "Player", "Value"], rows, sortable=False))
        if found.versus:
            rows = [[text(v.subject), text(v.opponent), num(v.kills), num(v.deaths)] for v in found.versus]
            html.append("<h2>Head to head</h2>" + table(["Player", "Against", ("Kills", True), ("Deaths", True)],
                                                       rows))
        # Other plugins' panels for this round (``panel:round``: Greatshot shows the round's demo).
        html.append(await request.panels("round", round_id=str(round_id)))
        return Page(f"{r.map} round {r.round_number}", "".join(html))

    return handler

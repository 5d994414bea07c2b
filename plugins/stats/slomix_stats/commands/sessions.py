"""Session commands: last_session (with its views), session, rounds, last_round."""

from __future__ import annotations

from datetime import date, datetime

from slomix.kernel import Action, Arg, Command, Context, Field, Image, Reply, Table, UsageError
from slomix.kernel.reply import COLOUR_INFO

from .. import charts
from ..api import SessionMatch
from ..awards import mvp
from ..formatting import SIDES, duration, weapon_name
from ..matches import attack, by_team, scored, session_matches, sessions_matches, verdict
from ..queries import SessionDetail, SessionPlayer
from .common import State

VIEWS = ("summary", "obj", "combat", "weapons", "support", "sprees", "time", "top", "graphs", "maps")
# The persistent teams' colours when the community set none (the web pages' team-a / team-b).
TEAM_COLOURS = (0xF0A030, 0x4CA3F0)


def _date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d").date()
    except ValueError:
        raise UsageError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def _title(detail: SessionDetail) -> str:
    s = detail.summary
    return f"Session #{s.number} — {s.start:%Y-%m-%d %H:%M}–{s.end:%H:%M}"


def _match_lines(match: SessionMatch) -> str:
    """A match in a few lines: the score, the winner, the lineups."""
    a, b = match.teams
    which = f"Match {match.number}/{match.of}: " if match.of > 1 else ""
    lines = [f"{which}{a.name} {match.score} {b.name} — {verdict(match)} · {match.format}"]
    lines += [f"{t.name}: {', '.join(t.players) or '—'}" for t in match.teams]
    return "\n".join(lines)


def _maps_table(match: SessionMatch) -> Table:
    """Each map's points and both attack times (``held``: the attack failed), narrow enough for a phone."""
    a, b = match.teams
    return Table(title=f"{a.name} {match.score} {b.name} by map" + (f" (match {match.number})" if match.of > 1 else ""),
                 columns=["map", a.name, b.name, "R1", "R2"],
                 rows=[[m.map_name, m.points[0], m.points[1], attack(m, 1), attack(m, 2)] for m in match.maps])


def _colour(matches: list[SessionMatch]) -> int:
    """The winning team's colour (the session's last match): its own, else the A/B palette."""
    last = matches[-1] if matches else None
    if last is None or not scored(last) or last.winner == 0:
        return COLOUR_INFO
    team = last.teams[last.winner - 1]
    return team.colour if team.colour is not None else TEAM_COLOURS[last.winner - 1]


def _players_tables(detail: SessionDetail, matches: list[SessionMatch], columns: list[str], row) -> list[Table]:
    """One table per team (the players under the team they played for), then anybody else."""
    return [Table(title=(team.name if team else "not in a team") if matches else None, columns=["player", *columns],
                  rows=[[p.name, *row(p)] for p in members])
            for team, members in by_team(detail.players, matches)]


def _actions(line: str, view: str) -> list[Action]:
    """A button per other view: ``line`` is the command that shows this session (``session 21``)."""
    return [Action(label=v, command=f"{line} {v}") for v in VIEWS if v != view]


def _mvp(players: list[SessionPlayer], counted: int) -> str:
    best = mvp(players, counted)
    return f"MVP: {best.name} — {best.dpm:.1f} DPM, K/D {best.kd:.2f}" if best else ""


async def render(state: State, detail: SessionDetail, view: str, matches: list[SessionMatch], line: str) -> Reply:
    """A session's view; ``matches`` (the scorer's answer) lead, ``line`` is the command the view
    buttons extend."""
    s = detail.summary
    header = "\n\n".join([*(_match_lines(m) for m in matches), "\n".join(part for part in (
        _mvp(detail.players, s.counted_rounds),
        f"{s.counted_rounds} counted of {s.rounds} rounds · {len(s.maps)} maps · {s.players} players",
        "" if matches else f"Maps: {', '.join(s.maps)}") if part)])
    base = {"title": _title(detail), "description": header, "data": detail, "colour": _colour(matches),
            "actions": _actions(line, view)}

    def players(columns: list[str], row) -> list[Table]:
        return _players_tables(detail, matches, columns, row)

    if view == "summary":
        return Reply(**base, tables=[*(_maps_table(m) for m in matches if m.maps), *players(
            ["kills", "deaths", "K/D", "DPM"], lambda p: [p.kills, p.deaths, f"{p.kd:.2f}", f"{p.dpm:.1f}"])],
            footer=matches[0].rule if matches else None)
    if view == "combat":
        return Reply(**base, tables=players(
            ["kills", "deaths", "K/D", "dmg given", "dmg recv", "gibs", "HS kills"],
            lambda p: [p.kills, p.deaths, f"{p.kd:.2f}", p.damage_given, p.damage_received, p.gibs,
                       p.headshot_kills]))
    if view == "obj":
        return Reply(**base, tables=players(
            ["dyna planted", "dyna defused", "obj stolen/returned", "revives"],
            lambda p: [p.dynamites_planted, p.dynamites_defused, p.objectives, p.revives_given]))
    if view == "support":
        return Reply(**base, tables=players(
            ["revives given", "revived", "assists", "denied (s)"],
            lambda p: [p.revives_given, p.times_revived, p.kill_assists, p.denied_playtime]))
    if view == "sprees":
        return Reply(**base, tables=players(
            ["best spree", "worst death spree", "multikills", "useful kills"],
            lambda p: [p.best_spree, p.worst_death_spree, p.multikills, p.useful_kills]))
    if view == "time":
        return Reply(**base, tables=players(
            ["played", "dead", "dead %", "denied"],
            lambda p: [duration(p.seconds), duration(p.dead_seconds),
                       f"{p.dead_seconds * 100 / p.seconds:.1f} %" if p.seconds else "0 %",
                       duration(p.denied_playtime)]))
    if view == "weapons":
        weapons = await state.q.session_weapons(s.start)
        return Reply(**base, tables=[Table(columns=["weapon", "kills", "deaths", "accuracy", "head hits"], rows=[
            [weapon_name(w.weapon), w.kills, w.deaths, "—" if w.accuracy is None else f"{w.accuracy:.1f} %",
             w.headshots]
            for w in weapons if w.kills or w.shots])])
    if view == "top":
        fields = []
        for label, key, fmt in (("Kills", "kills", "{}"), ("DPM", "dpm", "{:.1f}"), ("K/D", "kd", "{:.2f}"),
                                ("Revives", "revives_given", "{}"), ("Accuracy", "accuracy", "{:.1f} %"),
                                ("Gibs", "gibs", "{}")):
            best = sorted(detail.players, key=lambda p, k=key: -getattr(p, k))[:3]
            fields.append(Field(label, "\n".join(f"{i}. {p.name} — {fmt.format(getattr(p, key))}"
                                                 for i, p in enumerate(best, 1)) or "—"))
        return Reply(**base, fields=fields)
    if view == "graphs":
        series = await state.q.session_series(s.start)
        if not series.players:
            raise UsageError("no counted rounds to draw")
        names = {p.guid: p.name for p in detail.players}
        teams = [(t.name, t.guids) for t in matches[0].teams] if matches else []
        png = state.chart(("session", s.start, *sorted(names.items()), repr(teams)),
                          lambda: charts.session_graphs(series, names, _title(detail), teams=teams))
        return Reply(**base, images=[Image(filename="session.png", data=png,
                                           alt="DPM, K/D and kills over the session")])
    if view == "maps":
        rows = [[r.round_time.strftime("%H:%M"), r.map, f"R{r.round_number}", r.outcome,
                 duration(r.duration_seconds), f"{SIDES.get(r.defender_team, '?')} defended",
                 r.status if r.is_valid else f"{r.status} (not counted)"] for r in detail.rounds]
        return Reply(**base, tables=[Table(columns=["time", "map", "round", "outcome", "duration", "sides",
                                                    "status"], rows=rows)])
    raise UsageError(f"unknown view {view!r}; one of {', '.join(VIEWS)}")


def commands(state: State) -> list[Command]:
    async def session_reply(ctx: Context, start: datetime | None, view: str, what: str,
                            note: str | None = None) -> Reply:
        if start is None:
            raise UsageError(f"no session {what}")
        detail = await state.q.session(start)
        assert detail is not None
        # The view buttons name the session by number: pressed after the next evening, they still show this one.
        line = f"session {detail.summary.number}"
        reply = await render(state, detail, view, await session_matches(ctx.kernel, start), line)
        if note:
            reply.footer = " · ".join(part for part in (note, reply.footer) if part)
        return reply

    async def last_session(ctx: Context) -> Reply:
        return await session_reply(ctx, await state.q.session_start_for(), ctx.args["view"] or "summary", "yet")

    async def session(ctx: Context) -> Reply:
        which = (ctx.args["date"] or "").strip().lstrip("#")
        view = ctx.args["view"] or "summary"
        if which.isdigit():  # a session number, as !rounds lists them (two sessions on one day)
            return await session_reply(ctx, await state.q.session_start_numbered(int(which)), view, f"#{which}")
        day = _date(which)
        start = await state.q.session_start_for(day)
        note = None
        if day is not None and start is not None:
            others = [n for n, s in (await state.q.session_numbers_on(day)).items() if s != start]
            if others:  # a day with two evenings: say how to reach the other
                note = f"also on {day}: " + ", ".join(f"#{n} (!session {n})" for n in others)
        return await session_reply(ctx, start, view, f"on {day}" if day else "yet", note)

    async def rounds(ctx: Context) -> Reply:
        month = ctx.args["month"]
        if month:
            try:
                datetime.strptime(month, "%Y-%m")
            except ValueError:
                raise UsageError(f"{month!r} is not a month (YYYY-MM)") from None
        sessions = await state.q.sessions(month=month, limit=25)
        scored_by = await sessions_matches(ctx.kernel, [s.start for s in sessions])

        def result(start: datetime) -> str:
            return "; ".join(f"{m.teams[0].name} {m.score} {m.teams[1].name}" if scored(m) else verdict(m)
                             for m in scored_by.get(start, [])) or "—"

        return Reply(title=f"Sessions{' in ' + month if month else ''}", description=None if sessions else
                     "No sessions.", tables=[Table(columns=["#", "date", "time", "result", "rounds", "maps",
                                                            "players"], rows=[
                         [s.number, f"{s.start:%Y-%m-%d}", f"{s.start:%H:%M}–{s.end:%H:%M}", result(s.start),
                          s.counted_rounds, ", ".join(s.maps), s.players] for s in sessions])] if sessions else [],
                     data=sessions)

    async def last_round(ctx: Context) -> Reply:
        [line] = await state.q.rounds(limit=1) or [None]
        if line is None:
            raise UsageError("no rounds yet")
        detail = await state.q.round(line.id)
        assert detail is not None
        r = detail.round
        return Reply(
            title=f"{r.map} R{r.round_number} — {r.round_time:%Y-%m-%d %H:%M}",
            description=f"{r.outcome} · {duration(r.duration_seconds)} ({r.duration_source}) · "
                        f"{SIDES.get(r.defender_team, '?')} defended, {SIDES.get(r.winner_team, '?')} won"
                        + ("" if r.is_valid else f" · not counted ({r.status})"),
            tables=[Table(columns=["player", "side", "kills", "deaths", "damage", "DPM"], rows=[
                [p.name, SIDES.get(p.team, "spec"), p.kills, p.deaths, p.damage_given, f"{p.dpm:.1f}"]
                for p in detail.players])], data=detail)

    view = Arg("view", choices=VIEWS, help="summary, obj, combat, weapons, support, sprees, time, top, graphs, maps")
    return [
        Command("last_session", last_session, "The latest gaming session", aliases=("last", "latest"),
                category="sessions", args=(view,)),
        Command("session", session, "A gaming session by date or number", aliases=("match", "game"),
                category="sessions", args=(Arg("date", help="YYYY-MM-DD or a session number (default: latest)"), view)),
        Command("rounds", rounds, "List gaming sessions", aliases=("sessions", "list_sessions", "ls"),
                category="sessions", args=(Arg("month", help="YYYY-MM"),)),
        Command("last_round", last_round, "The latest round", category="sessions"),
    ]

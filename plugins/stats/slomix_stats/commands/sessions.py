"""Session commands: last_session (with its views), session, rounds, last_round."""

from __future__ import annotations

from datetime import date, datetime

from slomix.kernel import Arg, Command, Context, Field, Image, Reply, Table, UsageError

from .. import charts
from ..awards import mvp
from ..formatting import SIDES, duration, weapon_name
from ..queries import SessionDetail
from .common import State

VIEWS = ("summary", "obj", "combat", "weapons", "support", "sprees", "time", "top", "graphs", "maps")


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


def _players_table(detail: SessionDetail, columns: list[str], row) -> Table:
    return Table(columns=["player", *columns], rows=[[p.name, *row(p)] for p in detail.players])


async def render(state: State, detail: SessionDetail, view: str) -> Reply:
    s = detail.summary
    best = mvp(detail.players, s.counted_rounds)
    header = (f"{s.counted_rounds} counted of {s.rounds} rounds · {len(s.maps)} maps · {s.players} players\n"
              f"Maps: {', '.join(s.maps)}"
              + (f"\nMVP: {best.name} — {best.dpm:.1f} DPM, K/D {best.kd:.2f}" if best else ""))
    base = {"title": _title(detail), "description": header, "data": detail}
    if view == "summary":
        return Reply(**base, tables=[_players_table(
            detail, ["K/D", "kills", "deaths", "DPM", "damage"],
            lambda p: [f"{p.kd:.2f}", p.kills, p.deaths, f"{p.dpm:.1f}", p.damage_given])],
            footer="views: " + ", ".join(VIEWS[1:]))
    if view == "combat":
        return Reply(**base, tables=[_players_table(
            detail, ["kills", "deaths", "K/D", "dmg given", "dmg recv", "gibs", "HS kills"],
            lambda p: [p.kills, p.deaths, f"{p.kd:.2f}", p.damage_given, p.damage_received, p.gibs,
                       p.headshot_kills])])
    if view == "obj":
        return Reply(**base, tables=[_players_table(
            detail, ["dyna planted", "dyna defused", "obj stolen/returned", "revives"],
            lambda p: [p.dynamites_planted, p.dynamites_defused, p.objectives, p.revives_given])])
    if view == "support":
        return Reply(**base, tables=[_players_table(
            detail, ["revives given", "revived", "assists", "denied (s)"],
            lambda p: [p.revives_given, p.times_revived, p.kill_assists, p.denied_playtime])])
    if view == "sprees":
        return Reply(**base, tables=[_players_table(
            detail, ["best spree", "worst death spree", "multikills", "useful kills"],
            lambda p: [p.best_spree, p.worst_death_spree, p.multikills, p.useful_kills])])
    if view == "time":
        return Reply(**base, tables=[_players_table(
            detail, ["played", "dead", "dead %", "denied"],
            lambda p: [duration(p.seconds), duration(p.dead_seconds),
                       f"{p.dead_seconds * 100 / p.seconds:.1f} %" if p.seconds else "0 %",
                       duration(p.denied_playtime)])])
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
        png = state.chart(("session", s.start, *sorted(names.items())),
                          lambda: charts.session_graphs(series, names, _title(detail)))
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
    async def session_reply(start: datetime | None, view: str, what: str) -> Reply:
        if start is None:
            raise UsageError(f"no session {what}")
        detail = await state.q.session(start)
        assert detail is not None
        return await render(state, detail, view)

    async def last_session(ctx: Context) -> Reply:
        return await session_reply(await state.q.session_start_for(), ctx.args["view"] or "summary", "yet")

    async def session(ctx: Context) -> Reply:
        which = (ctx.args["date"] or "").strip().lstrip("#")
        view = ctx.args["view"] or "summary"
        if which.isdigit():  # a session number, as !rounds lists them (two sessions on one day)
            return await session_reply(await state.q.session_start_numbered(int(which)), view, f"#{which}")
        day = _date(which)
        return await session_reply(await state.q.session_start_for(day), view, f"on {day}" if day else "yet")

    async def rounds(ctx: Context) -> Reply:
        month = ctx.args["month"]
        if month:
            try:
                datetime.strptime(month, "%Y-%m")
            except ValueError:
                raise UsageError(f"{month!r} is not a month (YYYY-MM)") from None
        sessions = await state.q.sessions(month=month, limit=25)
        return Reply(title=f"Sessions{' in ' + month if month else ''}", description=None if sessions else
                     "No sessions.", tables=[Table(columns=["#", "date", "time", "rounds", "maps", "players"], rows=[
                         [s.number, f"{s.start:%Y-%m-%d}", f"{s.start:%H:%M}–{s.end:%H:%M}", s.counted_rounds,
                          ", ".join(s.maps), s.players] for s in sessions])] if sessions else [], data=sessions)

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

"""The Team commands (spec §8): adapter-neutral, answered with a Reply."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

import msgspec

from slomix.kernel import Arg, Command, Context, Field, Reply, Table, Tier, UsageError
from slomix_stats import api as stats_api

from . import inputs, refresh, sessions, store
from .models import DASH, MapResult, SessionScore, SessionTeams
from .scoring import clock
from .summary import RULE
from .teams import TEAMS

COLOUR_TIE = 0x95A5A6
SESSION_ARG = Arg("date", help=sessions.HELP, complete=sessions.complete)

Handler = Callable[[Context], Awaitable[Reply]]


def _finds(handler: Handler) -> Handler:
    """A session or team that does not exist is a polite answer, not an error."""

    @functools.wraps(handler)
    async def run(ctx: Context) -> Reply:
        try:
            return await handler(ctx)
        except sessions.NotFound as missing:
            return Reply.fail(str(missing), title="Not found")

    return run


def _label(start: datetime) -> str:
    return f"{start:%Y-%m-%d %H:%M}"


async def _session(ctx: Context, key: str = "date") -> stats_api.SessionInfo:
    session = await sessions.resolve(ctx.kernel.db.pool, ctx.args.get(key))
    await refresh.ensure(ctx.kernel.db.pool, session.start)
    return session


async def _teams(ctx: Context, session: stats_api.SessionInfo) -> SessionTeams:
    view = await store.load_teams(ctx.kernel.db.pool, session.start)
    if view is None:
        raise sessions.NotFound(f"session {_label(session.start)} has no valid rounds, so no teams")
    return view


# -- reading ------------------------------------------------------------------------------------


def _which(view: SessionTeams | SessionScore) -> str:
    """``session 2025-10-12 21:18``, or ``match 2 of 2 (22:40), session ...`` when the opponents changed."""
    session = f"session {_label(view.session_start)}"
    if view.matches <= 1:
        return session
    return f"match {view.match} of {view.matches} ({(view.match_start or view.session_start):%H:%M}), {session}"


def teams_reply(view: SessionTeams, title: str = "Teams") -> Reply:
    fields = []
    for team in view.teams:
        names = [f"{p}*" if view.pinned.get(g) else p for g, p in zip(team.guids, team.players, strict=True)]
        fields.append(Field(f"{team.name} ({len(names)})", ", ".join(names) or "—"))
    footer = "* placed by an admin" if view.pinned else None
    return Reply(title=f"{title} — {_which(view)}",
                 description=f"{view.teams[0].name} vs {view.teams[1].name} · {view.format}",
                 fields=fields, footer=footer, data=view)


@_finds
async def teams_command(ctx: Context) -> Reply:
    session = await _session(ctx)
    first = teams_reply(await _teams(ctx, session))
    later = [teams_reply(view) for number in range(2, first.data.matches + 1)
             if (view := await store.load_teams(ctx.kernel.db.pool, session.start, number)) is not None]
    return msgspec.structs.replace(first, pages=later) if later else first


def _attack(name: str, success: bool | None, seconds: int | None) -> str:
    if success is None:
        return "—"
    return f"{name} ✔ {clock(seconds)}" if success else f"{name} ✘ held"


def _map_row(m: MapResult, score: SessionScore) -> list:
    names = {"A": score.team_a.name, "B": score.team_b.name}
    first = names.get(m.team1 or "", "?")
    second = {"A": names["B"], "B": names["A"]}.get(m.team1 or "", "?")
    points = (m.points_a, m.points_b) if m.finished else ("-", "-")
    return [m.seq, m.map_name, _attack(first, m.r1_success, m.r1_seconds),
            _attack(second, m.r2_success, m.r2_seconds), *points, m.description]


def score_reply(score: SessionScore) -> Reply:
    a, b = score.team_a, score.team_b
    finished = sum(1 for m in score.maps if m.finished)
    verdict = {0: "a draw", 1: f"{a.name} win", 2: f"{b.name} win"}[score.winner]
    colour = {0: COLOUR_TIE, 1: a.colour, 2: b.colour}[score.winner]
    table = Table(columns=["#", "Map", "R1 attack", "R2 attack", a.name, b.name, "Result"],
                  rows=[_map_row(m, score) for m in score.maps], title="Maps")
    return Reply(
        title=f"{a.name} {score.score} {b.name}",
        description=(f"{_which(score)[0].upper()}{_which(score)[1:]} → {score.session_end:%H:%M} · {score.format} · "
                     f"{finished} map{'s' if finished != 1 else ''}: {verdict if finished else 'nothing scored yet'}"),
        fields=[Field(a.name, f"{a.points} points, {a.maps_won} maps won"),
                Field(b.name, f"{b.points} points, {b.maps_won} maps won")],
        tables=[table] if score.maps else [], colour=colour if colour is not None else COLOUR_TIE,
        footer=RULE, data=score)


@_finds
async def session_score_command(ctx: Context) -> Reply:
    session = await _session(ctx)
    score = await store.load_score(ctx.kernel.db.pool, session.start)
    if score is None:
        raise sessions.NotFound(f"session {_label(session.start)} has no valid rounds to score")
    # A session is its matches: the later ones (the opponents changed) are the reply's pages.
    later = [score_reply(s) for number in range(2, score.matches + 1)
             if (s := await store.load_score(ctx.kernel.db.pool, session.start, number)) is not None]
    first = score_reply(score)
    return msgspec.structs.replace(first, pages=later) if later else first


@_finds
async def lineup_changes_command(ctx: Context) -> Reply:
    pool = ctx.kernel.db.pool
    current = await _session(ctx, "current")
    if ctx.args.get("previous"):
        before = await _session(ctx, "previous")
    else:
        before = await sessions.previous(pool, current)
        if before is None:
            raise sessions.NotFound(f"no session before {_label(current.start)}")
        await refresh.ensure(pool, before.start)
    now, then = await _teams(ctx, current), await _teams(ctx, before)
    old_names = {g: p for t in then.teams for g, p in zip(t.guids, t.players, strict=True)}
    fields = []
    for team in now.teams:
        match = max(then.teams, key=lambda t: len(set(t.guids) & set(team.guids)))
        names = dict(zip(team.guids, team.players, strict=True))
        joined = sorted(names[g] for g in set(team.guids) - set(match.guids))
        left = sorted(old_names[g] for g in set(match.guids) - set(team.guids))
        parts = ([f"+ {', '.join(joined)}"] if joined else []) + ([f"- {', '.join(left)}"] if left else [])
        fields.append(Field(f"{team.name} (was {match.name})", " · ".join(parts) or "unchanged", inline=False))
    return Reply(title=f"Lineup changes {_label(before.start)} → {_label(current.start)}",
                 description=f"{then.format} → {now.format}", fields=fields)


def _record_line(rows: list) -> tuple[int, int, int]:
    wins = sum(1 for r in rows if r["points"] > r["against"])
    losses = sum(1 for r in rows if r["points"] < r["against"])
    return wins, losses, len(rows) - wins - losses


@_finds
async def team_record_command(ctx: Context) -> Reply:
    name = inputs.team_name(ctx.args["team"])
    days = ctx.args["days"]
    if days < 0:
        raise UsageError("days must be 0 (all time) or more")
    now = await stats_api.history_now(ctx.kernel.db.pool)  # windows end at the newest round, not the wall clock
    since = now - timedelta(days=days) if days and now else None
    rows = await store.team_results(ctx.kernel.db.pool, name, since)
    if not rows:
        span = f"in the last {days} days" if days else "yet"
        raise sessions.NotFound(f"no scored session for a team called {name!r} {span}")
    wins, losses, draws = _record_line(rows)
    table = Table(columns=["Session", "Opponent", "Score", "Maps", "Format"], title="Sessions",
                  rows=[[_label(r["session_start"]), r["opponent"], f"{r['points']}{DASH}{r['against']}", r["maps"],
                         r["format"]] for r in rows])
    return Reply(title=f"{name}: {wins}W {losses}L {draws}D",
                 description=f"{len(rows)} session(s) {'in the last ' + str(days) + ' days' if days else 'all time'}",
                 fields=[Field("Points for", str(sum(r["points"] for r in rows))),
                         Field("Points against", str(sum(r["against"] for r in rows)))],
                 tables=[table])


@_finds
async def head_to_head_command(ctx: Context) -> Reply:
    first, second = inputs.team_name(ctx.args["team_a"]), inputs.team_name(ctx.args["team_b"])
    if first.lower() == second.lower():
        raise UsageError("name two different teams")
    rows = [r for r in await store.team_results(ctx.kernel.db.pool, first)
            if r["opponent"].lower() == second.lower()]
    if not rows:
        raise sessions.NotFound(f"{first} and {second} have not met in a scored session")
    wins, losses, draws = _record_line(rows)
    table = Table(columns=["Session", "Score", "Maps"], title="Meetings",
                  rows=[[_label(r["session_start"]), f"{r['points']}{DASH}{r['against']}", r["maps"]] for r in rows])
    return Reply(title=f"{first} {wins}{DASH}{losses} {second}",
                 description=f"{len(rows)} meeting(s), {draws} drawn; points {sum(r['points'] for r in rows)}"
                             f"{DASH}{sum(r['against'] for r in rows)}",
                 tables=[table])


async def team_pool_command(ctx: Context) -> Reply:
    rows = await store.pool_teams(ctx.kernel.db.pool)
    table = Table(columns=["Name", "Colour", "Sessions"],
                  rows=[[r["name"], f"#{r['colour']:06x}" if r["colour"] is not None else "—", r["sessions"]]
                        for r in rows])
    return Reply(title="Team pool", description=f"{len(rows)} names new session teams are drawn from",
                 tables=[table])


# -- managing (admin) ------------------------------------------------------------------------------


async def add_team_command(ctx: Context) -> Reply:
    name = inputs.team_name(ctx.args["name"])
    colour = inputs.colour(ctx.args["colour"])
    created = await store.add_pool_team(ctx.kernel.db.pool, name, colour, ctx.actor.id)
    return Reply(title=f"{name} {'added to' if created else 'updated in'} the team pool",
                 colour=colour if colour is not None else COLOUR_TIE)


async def _players(ctx: Context, session: stats_api.SessionInfo) -> dict[str, set[str]]:
    players: dict[str, set[str]] = {}
    for event in await stats_api.session_rounds(ctx.kernel.db.pool, session.start):
        if event.is_valid:
            for p in event.players:
                players.setdefault(p.guid, set()).add(p.name)
    # Anyone may also be named as every surface shows them.
    for guid, name in (await stats_api.display_names(ctx.kernel.db.pool, players)).items():
        players[guid].add(name)
    return players


def _team_letter(text: str, view: SessionTeams) -> str:
    wanted = text.strip().lower()
    for team in view.teams:
        if wanted in (team.team.lower(), team.name.lower()):
            return team.team
    raise UsageError(f"no team {text!r} in this session: {view.teams[0].name} (A) or {view.teams[1].name} (B)")


async def _change(ctx: Context, session: stats_api.SessionInfo, *, pins: dict[str, str] | None = None,
                  replace_pins: bool = False, names: dict[str, str] | None = None, reset: bool = False) -> None:
    """Write an admin's overrides under the session lock, then recompute the session."""
    pool = ctx.kernel.db.pool
    async with pool.acquire() as conn, conn.transaction():
        await store.lock_session(conn, session.start)
        if reset or replace_pins:
            await store.drop_pins(conn, session.start)
        if reset:
            await store.delete_session(conn, session.start)
        if pins:
            await store.pin(conn, session.start, pins, ctx.actor.id)
        if names:
            stored = {t: n for t, (n, _) in (await store.names(conn, session.start)).items()}
            final = {**stored, **names}
            if len({n.lower() for n in final.values()}) < len(final):
                raise UsageError("the two teams need different names")
            await store.set_names(conn, session.start, names, "manual")
    await refresh.refresh(pool, session.start)


@_finds
async def set_teams_command(ctx: Context) -> Reply:
    session = await _session(ctx)
    specs = {team: inputs.team_spec(ctx.args[f"team{i}"]) for i, team in enumerate(TEAMS, start=1)}
    players = await _players(ctx, session)
    pins: dict[str, str] = {}
    for team, (_, roster) in specs.items():
        for query in roster:
            guid = inputs.match_player(query, players)
            if pins.get(guid, team) != team:
                raise UsageError(f"{query!r} cannot play for both teams")
            pins[guid] = team
    names = {team: name for team, (name, _) in specs.items() if name}
    await _change(ctx, session, pins=pins, replace_pins=bool(pins), names=names)
    return teams_reply(await _teams(ctx, session), "Teams set")


@_finds
async def assign_player_command(ctx: Context) -> Reply:
    session = await _session(ctx)
    view = await _teams(ctx, session)
    team = _team_letter(ctx.args["team"], view)
    guid = inputs.match_player(ctx.args["player"], await _players(ctx, session))
    await _change(ctx, session, pins={guid: team})
    view = await _teams(ctx, session)
    name = next(t.name for t in view.teams if t.team == team)
    player = next(p for t in view.teams for g, p in zip(t.guids, t.players, strict=True) if g == guid)
    return teams_reply(view, f"{player} plays for {name}")


@_finds
async def set_team_names_command(ctx: Context) -> Reply:
    session = await _session(ctx)
    await _teams(ctx, session)
    names = {"A": inputs.team_name(ctx.args["team_a"]), "B": inputs.team_name(ctx.args["team_b"])}
    await _change(ctx, session, names=names)
    return teams_reply(await _teams(ctx, session), "Teams renamed")


@_finds
async def assign_teams_command(ctx: Context) -> Reply:
    session = await _session(ctx)
    await _change(ctx, session, reset=True)
    return teams_reply(await _teams(ctx, session), "Teams detected")


def build() -> list[Command]:
    team_arg = Arg("team", required=True, help="team name (quote names with spaces)")
    return [
        Command("teams", teams_command, "The two persistent teams of a gaming session", args=(SESSION_ARG,),
                category="team"),
        Command("session_score", session_score_command,
                "Stopwatch result of a gaming session with the per-map breakdown", args=(SESSION_ARG,),
                category="team"),
        Command("lineup_changes", lineup_changes_command, "Who joined and left each team since another session",
                args=(Arg("current", help=sessions.HELP, complete=sessions.complete),
                      Arg("previous", help=sessions.HELP, complete=sessions.complete)), category="team"),
        Command("team_record", team_record_command, "A team's session wins, losses and draws",
                args=(team_arg, Arg("days", int, "how far back (0: all time)", default=90)), category="team"),
        Command("head_to_head", head_to_head_command, "Two teams' results against each other", aliases=("h2h",),
                args=(Arg("team_a", required=True, help="a team name"),
                      Arg("team_b", required=True, help="the other team name")), category="team"),
        Command("team_pool", team_pool_command, "The names new session teams are drawn from", category="team"),
        Command("add_team", add_team_command, "Add a name (with an optional colour) to the team pool",
                args=(Arg("name", required=True, help="team name"),
                      Arg("colour", help="hex colour such as #ff8800")), tier=Tier.ADMIN, category="team"),
        Command("set_teams", set_teams_command,
                "Set a session's teams: each as 'name', 'name: player, player' or ': player, player'",
                args=(Arg("team1", required=True, help="team A"), Arg("team2", required=True, help="team B"),
                      SESSION_ARG), tier=Tier.ADMIN, category="team"),
        Command("assign_player", assign_player_command, "Put a player in a team for a session",
                args=(Arg("player", required=True, help="name or GUID"), team_arg, SESSION_ARG),
                tier=Tier.ADMIN, category="team"),
        Command("set_team_names", set_team_names_command, "Name a session's two teams",
                args=(Arg("date", required=True, help=sessions.HELP, complete=sessions.complete),
                      Arg("team_a", required=True, help="A"),
                      Arg("team_b", required=True, help="B")), tier=Tier.ADMIN, category="team"),
        Command("assign_teams", assign_teams_command,
                "Detect a session's teams afresh (drops overrides, draws names from the pool)",
                args=(SESSION_ARG,), tier=Tier.ADMIN, category="team"),
    ]

"""The ratings, predictions and balance commands: adapter-neutral, answered with a Reply."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from datetime import datetime

from slomix.kernel import Arg, Command, Context, Field, Image, Reply, Table
from slomix_stats import api as stats_api

from . import balance, charts, lineups, queries, service, store
from .model import MIN_MAPS, Z
from .replay import Evaluation

Handler = Callable[[Context], Awaitable[Reply]]
COLOUR_A, COLOUR_B = 0x4E79A7, 0xF28E2B
VOICE_UNKNOWN = ("Nobody's voice channel is known here, so name the players: "
                 "!balance p1 p2 p3 p4 p5 p6 [together=a+b] [apart=c+d]")


def _polite(handler: Handler) -> Handler:
    """An unknown player or an impossible split is a polite answer, not an error."""

    @functools.wraps(handler)
    async def run(ctx: Context) -> Reply:
        try:
            return await handler(ctx)
        except (service.UnknownPlayer, balance.BalanceError) as problem:
            return Reply.fail(str(problem), title="Cannot do that")

    return run


def pct(p: float) -> str:
    return f"{100 * p:.1f} %"


def _team_text(names: list[str]) -> str:
    return ", ".join(names) or "—"


def evaluation_note(e: Evaluation | None) -> str:
    """One sentence: is the model good enough to publish, by how much, on how many maps."""
    if e is None or e.n == 0:
        return "No finished stopwatch map has been rated yet, so predictions are not published."
    best = min(e.baselines, key=lambda k: e.baselines[k].log_loss)
    verdict = "published" if e.beats_baselines else "kept unpublished"
    return (f"Walk-forward over {e.n} decided maps: log loss {e.model.log_loss:.3f} "
            f"vs {e.baselines[best].log_loss:.3f} for the best baseline ({best}), "
            f"{e.margin():+.3f}; predictions are {verdict}.")


# -- ratings ------------------------------------------------------------------------------------


async def ratings_command(ctx: Context) -> Reply:
    pool = ctx.kernel.db.pool
    board = await queries.leaderboard(pool, limit=ctx.args.get("top") or 20)
    if not board:
        return Reply(title="Ratings", description=f"Nobody has {MIN_MAPS} rated stopwatch maps yet.")
    rows = [[i, r.name, f"{r.conservative:.1f}", f"{r.mu:.1f} ± {r.sigma:.1f}", r.maps,
             f"{r.wins}-{r.draws}-{r.losses}"] for i, r in enumerate(board, 1)]
    return Reply(title="Ratings", description=f"Shown rating = μ − {Z:g}σ (skill minus three uncertainties); "
                                                f"players with at least {MIN_MAPS} rated stopwatch maps.",
                 tables=[Table(columns=["#", "Player", "Rating", "μ ± σ", "Maps", "W-D-L"], rows=rows)],
                 data=board)


@_polite
async def rating_command(ctx: Context) -> Reply:
    pool = ctx.kernel.db.pool
    guid, name = await service.who(pool, ctx.actor.id, ctx.args.get("player"))
    row = await queries.rating(pool, guid)
    if row is None:
        return Reply(title=f"{name}: not rated", description="No finished stopwatch map yet: a newcomer starts at "
                                                             "μ 25.0 ± 8.3 (shown rating 0).")
    points = await queries.history(pool, guid)
    rank = f"#{row.rank}" if row.rank else f"unranked (fewer than {MIN_MAPS} maps)"
    return Reply(title=f"{row.name}: {row.conservative:.1f}",
                 description=(f"Skill μ {row.mu:.2f} ± σ {row.sigma:.2f}; "
                              f"shown rating μ − {Z:g}σ = {row.conservative:.2f}"),
                 fields=[Field("Maps", str(row.maps)), Field("W-D-L", f"{row.wins}-{row.draws}-{row.losses}"),
                         Field("Rank", rank), Field("Last map", f"{row.last_played:%Y-%m-%d}")],
                 images=[Image(filename="rating.png", data=charts.history(points, f"{row.name}: rating per map"),
                               alt=f"{row.name}'s rating over {len(points)} maps")],
                 data=row)


# -- predictions --------------------------------------------------------------------------------


async def _named(ctx: Context, terms: list[str]) -> list[tuple[str, str]]:
    return await service.find_players(ctx.kernel.db.pool, terms)


@_polite
async def predict_command(ctx: Context) -> Reply:
    a_terms, b_terms, map_name = lineups.matchup(ctx.args["teams"])
    players = await _named(ctx, a_terms + b_terms)
    a, b = players[: len(a_terms)], players[len(a_terms):]
    pool = ctx.kernel.db.pool
    ratings = await service.current(pool, [g for g, _ in players])
    now = datetime.now()
    p = ratings.win_probability([g for g, _ in a], [g for g, _ in b], now)
    pid = await service.record(pool, source="command", by=ctx.actor.id, team_a=[g for g, _ in a],
                               team_b=[g for g, _ in b], p=p, map_name=map_name, when=now)
    new = [n for g, n in players if g not in ratings.players]
    note = evaluation_note(await store.evaluation(pool))
    return Reply(title=f"{pct(p)} – {pct(1 - p)}" + (f" on {map_name}" if map_name else ""),
                 description=f"Chance of winning a stopwatch map, from the players' ratings.\n{note}",
                 fields=[Field(f"Team A · {pct(p)}", _team_text([n for _, n in a]), inline=False),
                         Field(f"Team B · {pct(1 - p)}", _team_text([n for _, n in b]), inline=False)],
                 footer=(f"Not rated yet (newcomer rating): {', '.join(new)}. " if new else "")
                        + f"Prediction #{pid}; maps have no effect in the model (sides swap in stopwatch).",
                 data={"id": pid, "p_a": p, "team_a": [g for g, _ in a], "team_b": [g for g, _ in b],
                       "map": map_name})


async def predictions_command(ctx: Context) -> Reply:
    rows = await queries.recent_predictions(ctx.kernel.db.pool, limit=ctx.args.get("count") or 10)
    if not rows:
        return Reply(title="Predictions", description="No prediction has been made yet: one is made when a map's "
                                                      "first round arrives, or ask with !predict A1,A2 vs B1,B2.")
    table = Table(columns=["#", "When", "Map", "Team A", "Team B", "P(A)", "Result"], rows=[
        [r.id, f"{r.made_at:%Y-%m-%d %H:%M}", r.map_name or "—", _team_text(r.names_a), _team_text(r.names_b),
         pct(r.p_a), r.verdict] for r in rows])
    return Reply(title="Predictions", description=f"The latest {len(rows)}: made when a map's first round arrived "
                                                  "(resolved by its result), or asked for with !predict.",
                 tables=[table], data=rows)


async def prediction_stats_command(ctx: Context) -> Reply:
    pool = ctx.kernel.db.pool
    e = await store.evaluation(pool)
    live = await queries.live_record(pool)
    if e is None or e.n == 0:
        return Reply(title="Prediction record", description=evaluation_note(e))
    rows = [["model", f"{e.model.brier:.4f}", f"{e.model.log_loss:.4f}", pct(e.model.accuracy)]]
    rows += [[k, f"{s.brier:.4f}", f"{s.log_loss:.4f}", pct(s.accuracy)] for k, s in e.baselines.items()]
    bins = Table(columns=["Mean P", "Observed", "Maps"], title="Reliability",
                 rows=[[pct(p), pct(o), int(n)] for p, o, n in e.reliability])
    fields = [Field("Live predictions", f"{live['resolved']} resolved, {live['right']} called right, "
                                        f"{live['open']} waiting" if live["resolved"] or live["open"] else "none yet",
                    inline=False)]
    return Reply(title="Prediction record", description=evaluation_note(e), fields=fields,
                 tables=[Table(columns=["", "Brier", "Log loss", "Accuracy"], rows=rows,
                               title=f"Walk-forward, {e.n} maps ({e.draws} draws left out)"), bins],
                 images=[Image(filename="reliability.png", data=charts.reliability(e.reliability, "Reliability"),
                               alt="observed win rate against predicted probability")],
                 data={"evaluation": e, "live": live})


@_polite
async def my_predictions_command(ctx: Context) -> Reply:
    pool = ctx.kernel.db.pool
    guid, name = await service.who(pool, ctx.actor.id, ctx.args.get("player"))
    calls = await queries.calls_for(pool, guid, limit=ctx.args.get("count") or 15)
    if not calls:
        return Reply(title=f"{name}: no rated maps", description="The model has called no stopwatch map you played.")
    right = sum(c.right for c in calls if c.right is not None)
    decided = sum(c.right is not None for c in calls)
    table = Table(columns=["Date", "Map", "P(your team)", "Result", "Called"], rows=[
        [f"{c.played_at:%Y-%m-%d}", c.map_name, pct(c.p_mine), c.result,
         "—" if c.right is None else "✔" if c.right else "✘"] for c in calls])
    return Reply(title=f"{name}: how the model called your maps",
                 description=f"Predicted before each map from earlier maps only: {right} of {decided} decided maps "
                             f"called right (last {len(calls)} maps).", tables=[table], data=calls)


# -- balance ------------------------------------------------------------------------------------


def _split_fields(split: balance.Split, names: dict[str, str]) -> list[Field]:
    return [Field(f"Team A · {pct(split.p_a)}", _team_text([names[g] for g in split.team_a]), inline=False),
            Field(f"Team B · {pct(1 - split.p_a)}", _team_text([names[g] for g in split.team_b]), inline=False)]


@_polite
async def balance_command(ctx: Context) -> Reply:
    text = ctx.args.get("players") or ""
    terms, together, apart = lineups.balance(text)
    if not terms:
        return Reply.fail(VOICE_UNKNOWN, title="Who plays?")
    pool = ctx.kernel.db.pool
    players = await _named(ctx, terms)
    by_term = {t.lower(): g for t, (g, _) in zip(terms, players, strict=True)}
    names = dict(players)

    def guid(term: str) -> str:
        if term.lower() in by_term:
            return by_term[term.lower()]
        raise balance.BalanceError(f"{term!r} in a together/apart rule is not one of the players listed")

    guids = [g for g, _ in players]
    ratings = await service.current(pool, guids)
    found = balance.splits(guids, ratings.predictor(datetime.now()),
                           together=[(guid(x), guid(y)) for x, y in together],
                           apart=[(guid(x), guid(y)) for x, y in apart])
    best = found[0]
    fields = _split_fields(best, names)
    if len(found) > 1:
        nxt = found[1]
        text = (f"{_team_text([names[g] for g in nxt.team_a])} vs {_team_text([names[g] for g in nxt.team_b])}"
                f" · {pct(nxt.p_a)}")
        fields.append(Field("Next best", text, inline=False))
    new = [names[g] for g in guids if g not in ratings.players]
    return Reply(title=f"Balanced teams: {pct(best.p_a)} – {pct(1 - best.p_a)}",
                 description=f"Every split of the {len(guids)} players tried ({len(found)} allowed); "
                             f"the closest to 50 % wins.", fields=fields,
                 footer=f"Not rated yet (newcomer rating): {', '.join(new)}" if new else None,
                 data={"teams": [best.team_a, best.team_b], "p_a": best.p_a, "names": names,
                       "alternative": ({"teams": [found[1].team_a, found[1].team_b], "p_a": found[1].p_a}
                                       if len(found) > 1 else None), "splits": len(found)})


def build() -> list[Command]:
    player = Arg("player", help="a name, a GUID or a mention; yourself when left out (after !link)", rest=True)
    return [
        Command("ratings", ratings_command, "The rating leaderboard: skill minus three uncertainties",
                aliases=("rating_lb", "skill"), args=(Arg("top", type=int, help="how many (default 20)"),),
                category="ratings"),
        Command("rating", rating_command, "A player's rating, its uncertainty and its history", args=(player,),
                category="ratings"),
        Command("predict", predict_command, "The chance one lineup beats another on a map",
                args=(Arg("teams", help="A1,A2,... vs B1,B2,... [map]", required=True, rest=True),),
                category="ratings"),
        Command("predictions", predictions_command, "Recent predictions and how they ended",
                args=(Arg("count", type=int, help="how many (default 10)"),), category="ratings"),
        Command("prediction_stats", prediction_stats_command,
                "The model's record against its baselines, with its calibration chart", category="ratings"),
        Command("my_predictions", my_predictions_command, "Maps you played and how the model called them",
                args=(player,), category="ratings"),
        Command("balance", balance_command, "Split players into the two most even teams",
                aliases=("suggest_teams",),
                args=(Arg("players", help="names or GUIDs, then together=a+b / apart=c+d", rest=True),),
                category="ratings"),
    ]


async def round_prediction(db, event: stats_api.RoundEvent, p: float, e: Evaluation) -> Reply:
    """The message posted when a map's first round arrives (sides as the lineups of that round)."""
    names = await stats_api.display_names(db, [x.guid for x in event.players])
    a = sorted({names.get(x.guid, x.name) for x in event.players if x.team == 1})
    b = sorted({names.get(x.guid, x.name) for x in event.players if x.team == 2})
    return Reply(title=f"{event.map_name}: {pct(p)} – {pct(1 - p)}",
                 description=f"Prediction for the map just started.\n{evaluation_note(e)}",
                 fields=[Field(f"{stats_api.side(1)} in round 1 · {pct(p)}", _team_text(a), inline=False),
                         Field(f"{stats_api.side(2)} in round 1 · {pct(1 - p)}", _team_text(b), inline=False)],
                 colour=COLOUR_A if p >= 0.5 else COLOUR_B)


async def teams_prediction(db, team_a: list[str], team_b: list[str], p: float, e: Evaluation) -> Reply:
    """The message posted when two teams form before a map."""
    names = await queries.names(db, [*team_a, *team_b])
    return Reply(title=f"Teams are set: {pct(p)} – {pct(1 - p)}",
                 description=f"Prediction for the next map.\n{evaluation_note(e)}",
                 fields=[Field(f"Team A · {pct(p)}", _team_text([names[g] for g in team_a]), inline=False),
                         Field(f"Team B · {pct(1 - p)}", _team_text([names[g] for g in team_b]), inline=False)],
                 colour=COLOUR_A if p >= 0.5 else COLOUR_B)

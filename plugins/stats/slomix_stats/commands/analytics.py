"""Analytics commands (spec §10.5): consistency, map_stats, playstyle, fatigue, awards, season_info.

Windows ("30 days") end at the latest round in the history, not at the wall clock, so an
imported history answers the same whenever it is asked.
"""

from __future__ import annotations

import statistics
from datetime import timedelta

from slomix.kernel import Arg, Command, Context, Field, Reply, Someone, Table, UsageError

from ..awards import MVP_RULE, mvp, session_awards
from ..queries import dpm, season_bounds, season_of
from .common import State, player_completer, resolve


def consistency_score(values: list[float]) -> float:
    """100 × (1 − coefficient of variation), clamped to 0–100."""
    mean = statistics.fmean(values)
    return max(0.0, min(100.0, (1 - statistics.pstdev(values) / mean) * 100)) if mean else 0.0


def commands(state: State) -> list[Command]:
    async def window(guid: str, days: int) -> list:
        now = await state.q.latest_time()
        return await state.q.player_rounds(guid, now - timedelta(days=days) if now else None)

    async def consistency(ctx: Context) -> Reply:
        ref = await resolve(state, ctx, ctx.args["player"])
        rows = [r for r in await window(ref.guid, 30) if r["time_played_seconds"] > 60]
        if len(rows) < 10:
            raise UsageError(f"{ref.name} needs 10 rounds of over a minute in the last 30 days (has {len(rows)})")
        values = [r["dpm"] for r in rows]
        score = consistency_score(values)
        label = "Consistent" if score >= 70 else "Average" if score >= 50 else "Streaky"
        trend = "—"
        if len(values) >= 10:
            last, previous = statistics.pstdev(values[-5:]), statistics.pstdev(values[-10:-5])
            trend = ("improving" if last < 0.8 * previous else "declining" if last > 1.2 * previous else "steady") \
                if previous else "steady"
        return Reply(title=f"Consistency of {ref.name}", fields=[
            Field("Score", f"{score:.0f}/100 — {label}"), Field("Rounds", str(len(values))),
            Field("DPM mean / stdev", f"{statistics.fmean(values):.1f} / {statistics.pstdev(values):.1f}"),
            Field("Trend (last 5 vs previous 5)", trend)], data={"score": score, "label": label})

    async def map_stats(ctx: Context) -> Reply:
        ref = await resolve(state, ctx, ctx.args["player"])
        rows = await window(ref.guid, 90)
        if not rows:
            raise UsageError(f"{ref.name} has no rounds in the last 90 days")
        overall = statistics.fmean(r["dpm"] for r in rows)
        per_map: dict[str, list[float]] = {}
        for r in rows:
            per_map.setdefault(r["map_name"], []).append(r["dpm"])
        lines = sorted(((m, len(v), statistics.fmean(v)) for m, v in per_map.items() if len(v) >= 3),
                       key=lambda x: -x[2])
        table = [[m, n, f"{avg:.1f}", f"{(avg - overall) * 100 / overall:+.1f} %" if overall else "—"]
                 for m, n, avg in lines]
        return Reply(title=f"Maps of {ref.name} (90 days)", description=f"Overall average DPM {overall:.1f}" + (
            f" · best {lines[0][0]}, worst {lines[-1][0]}" if lines else " · no map with 3+ rounds"),
            tables=[Table(columns=["map", "rounds", "avg DPM", "vs overall"], rows=table)] if table else [])

    async def playstyle(ctx: Context) -> Reply:
        ref = await resolve(state, ctx, ctx.args["player"])
        rows = await window(ref.guid, 90)
        defending = [r["dpm"] for r in rows if r["team"] == r["defender_team"]]
        attacking = [r["dpm"] for r in rows if r["team"] in (1, 2) and r["team"] != r["defender_team"]]
        if len(rows) < 10 or not defending or not attacking:
            raise UsageError(f"{ref.name} needs 10 rounds on both attack and defence in the last 90 days")
        att, dfn = statistics.fmean(attacking), statistics.fmean(defending)
        mean = (att + dfn) / 2
        strength = abs(att - dfn) * 100 / mean if mean else 0.0
        style = "balanced" if strength < 10 else ("attacker" if att > dfn else "defender")
        return Reply(title=f"Playstyle of {ref.name}", fields=[
            Field("Attack DPM", f"{att:.1f} ({len(attacking)} rounds)"),
            Field("Defence DPM", f"{dfn:.1f} ({len(defending)} rounds)"),
            Field("Verdict", f"{style} ({strength:.0f} % difference)")], data={"style": style})

    async def fatigue(ctx: Context) -> Reply:
        ref = await resolve(state, ctx, ctx.args["player"])
        start = await state.q.session_start_for()
        rows = [r for r in await state.q.player_rounds(ref.guid, start) if r["session_start"] == start]
        if len(rows) < 6:
            raise UsageError(f"{ref.name} played {len(rows)} rounds in the latest session; fatigue needs 6")
        third = len(rows) // 3
        parts = [rows[:third], rows[third:2 * third], rows[2 * third:]]
        values = [dpm(sum(r["damage_given"] for r in p), sum(r["time_played_seconds"] for r in p)) for p in parts]
        index = (values[2] - values[0]) * 100 / values[0] if values[0] else 0.0
        verdict = "warming up" if index > 10 else "fatiguing" if index < -10 else "stable"
        return Reply(title=f"Fatigue of {ref.name} (latest session)", fields=[
            Field("Early / mid / late DPM", " / ".join(f"{v:.1f}" for v in values)),
            Field("Index", f"{index:+.1f} % — {verdict}")], data={"index": index, "verdict": verdict})

    async def awards(ctx: Context) -> Reply:
        start = await state.q.session_start_for()
        detail = await state.q.session(start) if start else None
        if detail is None:
            raise UsageError("no session yet")
        found = session_awards(detail.players)
        best = mvp(detail.players, detail.summary.counted_rounds)
        return Reply(title=f"Awards — session #{detail.summary.number}",
                     description=(f"MVP: {best.name} — {best.dpm:.1f} DPM, K/D {best.kd:.2f}\n({MVP_RULE})"
                                  if best else "Nobody played this session."),
                     tables=[Table(columns=["award", "winner", "value"],
                                   rows=[[a.award, " & ".join(a.winners), a.value] for a in found])] if found
                     else [], footer="One winner per award (ties share it), among players of over two minutes.",
                     data={"mvp": best, "awards": found})

    async def season_info(ctx: Context) -> Reply:
        now = await state.q.latest_time()
        if now is None:
            raise UsageError("no rounds yet")
        season = season_of(now)
        start, end = season_bounds(season)
        sessions = [s for s in await state.q.sessions(limit=10_000) if start <= s.start < end]
        return Reply(title=f"Season {season}", fields=[
            Field("Runs", f"{start:%Y-%m-%d} to {end - timedelta(days=1):%Y-%m-%d}"),
            Field("Sessions", str(len(sessions))),
            Field("Counted rounds", str(sum(s.counted_rounds for s in sessions)))],
            data={"season": season, "sessions": len(sessions)})

    player = Arg("player", type=Someone, rest=True, help="name, GUID or @mention (default: you)",
                 complete=player_completer(state))
    return [
        Command("consistency", consistency, "DPM consistency over 30 days", category="analytics", args=(player,)),
        Command("map_stats", map_stats, "DPM per map against the player's average", category="analytics",
                args=(player,)),
        Command("playstyle", playstyle, "Attack or defence?", category="analytics", args=(player,)),
        Command("fatigue", fatigue, "Early, mid and late DPM in the latest session", category="analytics",
                args=(player,)),
        Command("awards", awards, "Awards and MVP of the latest session", category="analytics"),
        Command("season_info", season_info, "The current season (calendar quarter)", category="analytics"),
    ]

"""What the stats plugin tells the community: round summaries, milestones, session results."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from slomix.kernel import Announcement, Field, Reply, Table
from slomix.kernel.reply import COLOUR_OK

from .achievements import Milestone
from .api import RoundEvent
from .formatting import SIDES, duration
from .queries import SessionDetail


def is_recent(moment: datetime, tz: ZoneInfo, max_age_hours: float, now: datetime | None = None) -> bool:
    """Is a round (server-local file time) recent enough to announce rather than history?"""
    now = now or datetime.now(tz)
    return now - moment.replace(tzinfo=tz) <= timedelta(hours=max_age_hours)


def round_summary(event: RoundEvent) -> Announcement:
    top = sorted(event.players, key=lambda p: -p.damage_given)[:6]
    result = ("fullhold" if event.outcome == "fullhold" else "objective completed" if event.outcome == "completed"
              else "result unknown")
    return Announcement(topic="round", key=f"round:{event.round_id}", reply=Reply(
        title=f"{event.map_name} — round {event.round_number}",
        description=f"{result} · {duration(event.duration_seconds)} · {SIDES.get(event.defender_team, '?')} "
                    f"defended, {SIDES.get(event.winner_team, '?')} won",
        tables=[Table(columns=["player", "side", "K", "D", "DPM"],
                      rows=[[p.name, SIDES.get(p.team, "spec"), p.kills, p.deaths, f"{p.dpm:.0f}"] for p in top])],
        footer=f"match {event.match_id}"))


def milestone(guid: str, name: str, reached: Milestone) -> Announcement:
    return Announcement(topic="achievement", key=f"achievement:{guid}:{reached.key}", reply=Reply(
        title="Milestone", description=f"{name} reached {reached.label}!", colour=COLOUR_OK))


def session_summary(detail: SessionDetail) -> Announcement:
    s = detail.summary
    best = detail.players[:5]
    return Announcement(topic="session", key=f"session:{s.start:%Y-%m-%dT%H%M%S}", reply=Reply(
        title=f"Session #{s.number} is over", description=f"{s.start:%Y-%m-%d %H:%M}–{s.end:%H:%M} · "
        f"{s.counted_rounds} rounds · {', '.join(s.maps)}",
        fields=[Field("Top DPM", "\n".join(f"{p.name} — {p.dpm:.1f}" for p in best) or "—", inline=False)]))

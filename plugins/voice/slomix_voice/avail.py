"""Who can play which day: ``!avail``, ``!poll_status`` and the "game on" moment.

Days are calendar days in the poll's timezone, read from the kernel's clock (tests move it).
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

import msgspec

from slomix.kernel import Action, Announcement, Arg, Command, Context, Field, Kernel, Reply, UsageError
from slomix.kernel.reply import COLOUR_OK

from . import ledger, notify
from .evening import in_voice, open_evening, presences
from .settings import VoiceSettings

log = logging.getLogger("slomix.voice")

ANSWERS = ("yes", "maybe", "no")
MAX_DAYS_AHEAD = 90


class Tonight(msgspec.Struct, frozen=True, kw_only=True):
    """A day's answers and who is in voice now (for !poll_status and the tonight page)."""

    day: date
    game_time: str
    game_on_at: int
    yes: list[str]
    maybe: list[str]
    no: list[str]
    in_voice: list[str]
    still_to_come: list[str]  # said yes, not in voice (yet)
    evening_open: bool

    @property
    def missing(self) -> int:
        return max(self.game_on_at - len(self.yes), 0)


def today(kernel: Kernel, settings: VoiceSettings) -> date:
    return kernel.scheduler.clock.now().astimezone(settings.tz).date()


def parse_day(text: str | None, kernel: Kernel, settings: VoiceSettings) -> date:
    """``today``, ``tomorrow`` or ``YYYY-MM-DD``; not in the past, at most 90 days ahead."""
    now = today(kernel, settings)
    word = (text or "today").lower()
    if word == "today":
        return now
    if word == "tomorrow":
        return now + timedelta(days=1)
    try:
        day = date.fromisoformat(word)
    except ValueError:
        raise UsageError(f"a day is today, tomorrow or YYYY-MM-DD, not {text!r}") from None
    if day < now:
        raise UsageError(f"{day} is past: answers can be given from today ({now}) on")
    if day > now + timedelta(days=MAX_DAYS_AHEAD):
        raise UsageError(f"{day} is more than {MAX_DAYS_AHEAD} days ahead")
    return day


def buttons(day: date) -> list[Action]:
    stamp = day.isoformat()
    return [Action(label="I'm in", command=f"avail {stamp} yes"),
            Action(label="Maybe", command=f"avail {stamp} maybe"),
            Action(label="Can't make it", command=f"avail {stamp} no")]


async def answer(kernel: Kernel, day: date, actor_id: str, name: str, said: str) -> None:
    await kernel.db.pool.execute(
        """INSERT INTO voice.availability (day, actor_id, name, answer, answered_at) VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (day, actor_id) DO UPDATE SET name = $3, answer = $4, answered_at = $5""",
        day, actor_id, name, said, kernel.scheduler.clock.now())


async def tonight(kernel: Kernel, settings: VoiceSettings, day: date) -> Tonight:
    rows = await kernel.db.pool.fetch(
        "SELECT actor_id, name, answer FROM voice.availability WHERE day = $1 ORDER BY answered_at, name", day)
    here = in_voice(await presences(kernel.db.pool), settings.gaming_channel_ids or None)
    by: dict[str, list[str]] = {a: [] for a in ANSWERS}
    for row in rows:
        by[row["answer"]].append(row["name"])
    present = {m.actor_id for m in here}
    coming = [r["name"] for r in rows if r["answer"] == "yes" and r["actor_id"] not in present]
    return Tonight(day=day, game_time=settings.game_time, game_on_at=settings.game_on_at, yes=by["yes"],
                   maybe=by["maybe"], no=by["no"], in_voice=[m.name for m in here], still_to_come=coming,
                   evening_open=await open_evening(kernel.db.pool) is not None)


def _list(names: list[str]) -> str:
    return ", ".join(names) or "—"


def status_reply(t: Tonight, today_is: date) -> Reply:
    label = "Tonight" if t.day == today_is else "Tomorrow" if t.day == today_is + timedelta(days=1) else "On"
    if t.missing == 0:
        verdict = f"Game on at {t.game_time}!"
    else:
        verdict = f"{len(t.yes)} of {t.game_on_at} needed for {t.game_time} — {t.missing} more and it's on."
    fields = [Field(f"In ({len(t.yes)})", _list(t.yes)), Field(f"Maybe ({len(t.maybe)})", _list(t.maybe)),
              Field(f"Can't ({len(t.no)})", _list(t.no))]
    if t.day == today_is:
        fields.append(Field(f"In voice now ({len(t.in_voice)})", _list(t.in_voice), inline=False))
    return Reply(title=f"{label} {t.day:%a %d %b}", description=verdict, fields=fields,
                 colour=COLOUR_OK if t.missing == 0 else 0x3498DB, actions=buttons(t.day), data=t)


async def game_on_if_ready(kernel: Kernel, settings: VoiceSettings, day: date) -> bool:
    """Announce "game on" once per day when enough said yes; True when this call announced it."""
    t = await tonight(kernel, settings, day)
    if t.missing > 0 or not await ledger.once(kernel, f"game-on:{day}"):
        return False
    log.info("voice: game on for %s with %d yes", day, len(t.yes))
    reply = Reply(title=f"Game on — {day:%a %d %b} at {settings.game_time}", colour=COLOUR_OK,
                  description=f"{len(t.yes)} are in: {_list(t.yes)}."
                  + (f" Maybe: {_list(t.maybe)}." if t.maybe else ""),
                  actions=buttons(day))
    await kernel.broadcast("on_announce", announcement=Announcement(
        topic="availability", key=f"voice:game-on:{day}", reply=reply))
    await notify.tell(kernel, day, "game-on", reply)
    return True


def build(settings: VoiceSettings) -> list[Command]:
    async def avail(ctx: Context) -> Reply:
        when, said = ctx.args.get("when"), ctx.args.get("answer")
        if when is not None and when.lower() in ANSWERS and said is None:
            when, said = None, when  # "!avail yes" means today
        day = parse_day(when, ctx.kernel, settings)
        now = today(ctx.kernel, settings)
        if said is None:
            return status_reply(await tonight(ctx.kernel, settings, day), now)
        said = said.lower()
        if said not in ANSWERS:
            raise UsageError(f"answer yes, maybe or no, not {said!r}")
        await answer(ctx.kernel, day, ctx.actor.id, ctx.actor.name, said)
        if said == "yes":
            await game_on_if_ready(ctx.kernel, settings, day)
        t = await tonight(ctx.kernel, settings, day)
        words = {"yes": "you're in", "maybe": "you're a maybe", "no": "you're out"}
        reply = status_reply(t, now)
        reply.description = f"Noted, {ctx.actor.name}: {words[said]} for {day:%a %d %b}. {reply.description}"
        return reply

    async def poll_status(ctx: Context) -> Reply:
        day = parse_day(ctx.args.get("when"), ctx.kernel, settings)
        return status_reply(await tonight(ctx.kernel, settings, day), today(ctx.kernel, settings))

    when = Arg("when", help="today, tomorrow or YYYY-MM-DD (default today)")
    return [
        Command("avail", avail, "Say whether you can play: !avail [today|tomorrow|DATE] yes|maybe|no",
                aliases=("available",), args=(when, Arg("answer", help="yes, maybe or no")),
                category="voice"),
        Command("poll_status", poll_status, "Who is in, maybe and out for a day, and who is in voice now",
                args=(when,), category="voice"),
    ]

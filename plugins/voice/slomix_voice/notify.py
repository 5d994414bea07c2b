"""Opt-in direct messages: ``!poll_notify on|off``; the game-on note and the reminders reach those
who asked and answered yes or maybe for that day (never anyone who did not opt in)."""

from __future__ import annotations

from datetime import date

from slomix.kernel import Announcement, Arg, Command, Context, Kernel, Reply


async def tell(kernel: Kernel, day: date, what: str, reply: Reply) -> int:
    """Send ``reply`` to each opted-in yes/maybe voter of ``day``, once per person and ``what``."""
    rows = await kernel.db.pool.fetch(
        """SELECT a.actor_id FROM voice.availability a JOIN voice.notify n USING (actor_id)
           WHERE a.day = $1 AND a.answer IN ('yes', 'maybe') AND n.direct ORDER BY a.answered_at""", day)
    for row in rows:
        await kernel.broadcast("on_announce", announcement=Announcement(
            topic="availability", key=f"voice:dm:{what}:{day}:{row['actor_id']}", reply=reply, to=row["actor_id"]))
    return len(rows)


def build() -> list[Command]:
    async def poll_notify(ctx: Context) -> Reply:
        pool, actor = ctx.kernel.db.pool, ctx.actor
        choice = ctx.args.get("choice")
        if choice is not None:
            await pool.execute(
                """INSERT INTO voice.notify (actor_id, name, direct, changed_at) VALUES ($1, $2, $3, $4)
                   ON CONFLICT (actor_id) DO UPDATE SET name = $2, direct = $3, changed_at = $4""",
                actor.id, actor.name, choice == "on", ctx.kernel.scheduler.clock.now())
        direct = bool(await pool.fetchval("SELECT direct FROM voice.notify WHERE actor_id = $1", actor.id))
        text = ("You get a direct message when a day you said yes or maybe to is on, and at the reminders."
                if direct else "No direct messages for you: the poll and reminders stay in the channel. "
                               "!poll_notify on to get them privately.")
        return Reply(title="Direct messages " + ("on" if direct else "off"), description=text)

    return [Command("poll_notify", poll_notify, "Direct messages for game on and reminders: !poll_notify on|off",
                    args=(Arg("choice", help="on or off (empty: show)", choices=("on", "off")),), category="voice")]

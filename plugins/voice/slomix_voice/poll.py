"""The daily poll and its reminders, at their times in the poll's timezone.

Each is a cron job of the kernel's scheduler (exact minutes, no polling loop to miss them) and a
ledger key per day, so a restart neither repeats one nor, later that day, forgets one that fell
due while Slomix was down: at start-up what is due and not done runs at once (reminders only
within ``CATCH_UP`` of their time: an old reminder is noise).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from slomix.kernel import Announcement, Kernel, Reply

from . import avail, ledger, notify
from .settings import VoiceSettings

log = logging.getLogger("slomix.voice")

CATCH_UP = timedelta(minutes=30)


def _cron(hhmm: str) -> str:
    hour, minute = hhmm.split(":")
    return f"{int(minute)} {int(hour)} * * *"


def _at(day: date, hhmm: str, settings: VoiceSettings) -> datetime:
    return datetime.combine(day, time.fromisoformat(hhmm), tzinfo=settings.tz)


class DailyPoll:
    def __init__(self, kernel: Kernel, settings: VoiceSettings) -> None:
        self.kernel = kernel
        self.settings = settings

    def schedule(self) -> None:
        tz = self.settings.timezone
        self.kernel.scheduler.cron("voice.poll", _cron(self.settings.poll_time), self.post, timezone=tz)
        for hhmm in self.settings.reminder_times:
            self.kernel.scheduler.cron(f"voice.reminder.{hhmm}", _cron(hhmm),
                                       lambda hhmm=hhmm: self.remind(hhmm), timezone=tz)

    async def catch_up(self) -> None:
        """Run what fell due today while Slomix was not running."""
        now = self.kernel.scheduler.clock.now()
        day = avail.today(self.kernel, self.settings)
        game = _at(day, self.settings.game_time, self.settings)
        if _at(day, self.settings.poll_time, self.settings) <= now < game:
            await self.post()
        for hhmm in self.settings.reminder_times:
            due = _at(day, hhmm, self.settings)
            if due <= now < due + CATCH_UP:
                await self.remind(hhmm)

    async def post(self) -> None:
        day = avail.today(self.kernel, self.settings)
        if not await ledger.once(self.kernel, f"poll:{day}"):
            return
        t = await avail.tonight(self.kernel, self.settings, day)
        log.info("voice: daily poll for %s posted", day)
        await self.kernel.broadcast("on_announce", announcement=Announcement(
            topic="availability", key=f"voice:poll:{day}", reply=Reply(
                title=f"Who can play tonight? {day:%a %d %b}, {self.settings.game_time}",
                description=f"Press a button, or type !avail yes / maybe / no. At {self.settings.game_on_at} "
                            f"yes it's game on." + (f" Already in: {', '.join(t.yes)}." if t.yes else ""),
                actions=avail.buttons(day))))

    async def remind(self, hhmm: str) -> None:
        day = avail.today(self.kernel, self.settings)
        if not await ledger.once(self.kernel, f"reminder:{day}:{hhmm}"):
            return
        t = await avail.tonight(self.kernel, self.settings, day)
        if t.missing == 0 and hhmm == self.settings.game_time:
            text = (f"Game time! {len(t.in_voice)} in voice; still to come: {', '.join(t.still_to_come)}."
                    if t.still_to_come else "Game time, and everyone who said yes is in voice. Have fun!")
        elif t.missing == 0:
            text = f"It's on at {self.settings.game_time}: {', '.join(t.yes)}. See you in voice!"
        elif t.yes or t.maybe:
            text = (f"{len(t.yes)} in ({', '.join(t.yes) or '—'}), {len(t.maybe)} maybe "
                    f"({', '.join(t.maybe) or '—'}): {t.missing} more needed. Maybes, can you make it?")
        else:
            text = "Nobody has answered yet. Can you play tonight?"
        log.info("voice: reminder %s for %s sent", hhmm, day)
        reply = Reply(title=f"Tonight at {self.settings.game_time}", description=text, actions=avail.buttons(day))
        await self.kernel.broadcast("on_announce", announcement=Announcement(
            topic="availability", key=f"voice:reminder:{day}:{hhmm}", reply=reply))
        await notify.tell(self.kernel, day, f"reminder:{hhmm}", reply)

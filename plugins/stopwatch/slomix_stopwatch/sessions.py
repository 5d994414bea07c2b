"""Which gaming session a user means: ``latest``, a date, or a session's start stamp."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from slomix.kernel import UsageError
from slomix_stats import api

HELP = "a date (YYYY-MM-DD), a session start (YYYY-MM-DD-HHMMSS) or 'latest'"
RECENT = 20  # how far back "latest" and "previous" look past sessions without a valid round
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[-T ]\d{2}:?\d{2}:?\d{2}$")
# What a session may be written as in a URL (the schema that documents ``{date}``): ``latest``, a
# day or a start stamp, months and days in range; a day no calendar has passes and answers 404.
SESSION_PATTERN = (r"^(latest|last|\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])"
                   r"([-T ]([01]\d|2[0-3]):?[0-5]\d:?[0-5]\d)?)$")


class NotFound(LookupError):
    """No session (or team) matches what was asked for: a polite answer, HTTP 404."""


def parse(text: str | None) -> date | datetime | None:
    """None for the latest session, a date for a calendar day, a datetime for one moment."""
    text = (text or "").strip()
    if text.lower() in ("", "latest", "last"):
        return None
    try:
        if _DAY.match(text):
            return date.fromisoformat(text)
        if _STAMP.match(text):
            digits = re.sub(r"\D", "", text)
            return datetime.strptime(digits, "%Y%m%d%H%M%S")
    except ValueError:
        if re.match(SESSION_PATTERN, text):  # a well-formed day no calendar has (2025-02-30)
            raise NotFound(f"no gaming session on {text}: there is no such day") from None
    raise UsageError(f"{text!r} is not a session: give {HELP}")


async def resolve(db: Any, text: str | None) -> api.SessionInfo:
    """The session ``text`` stands for; NotFound when there is none."""
    when = parse(text)
    if when is None:
        session = _counting(await api.sessions(db, limit=RECENT))
    elif isinstance(when, datetime):
        found = await api.sessions(db, since=when, until=when)
        session = found[0] if found else None
    else:
        session = await api.session_for_date(db, when)
    if session is None:
        raise NotFound(f"no gaming session {'yet' if when is None else f'on {text}'}")
    return session


async def previous(db: Any, session: api.SessionInfo) -> api.SessionInfo | None:
    """The session played before this one."""
    found = await api.sessions(db, until=session.start, limit=RECENT)
    return _counting([s for s in found if s.start < session.start])


def _counting(found: list[api.SessionInfo]) -> api.SessionInfo | None:
    """The first session that has rounds that count (a lone orphan R2 is not a gaming session)."""
    return next((s for s in found if s.valid_rounds), found[0] if found else None)


async def complete(kernel: Any, typed: str) -> list[str]:
    """Suggestions while typing: the dates of recent sessions."""
    found = await api.sessions(kernel.db.pool, limit=50)
    days = dict.fromkeys(f"{s.start:%Y-%m-%d}" for s in found)
    return [d for d in days if d.startswith(typed.strip())][:25]

"""Which recorded rounds a question is about: a gaming session, a map, a player, or all of them.

Sessions are the stats plugin's (``slomix_stats.api``): a session is its stats rounds, so the
telemetry linked to them, across midnight or not. Where a stats round has telemetry from two
sources, the tracker's (``lua``) is used and the demo's left out, so nothing counts twice.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import msgspec

from slomix_stats import api as stats


class Scope(msgspec.Struct, frozen=True, kw_only=True):
    session: datetime | None = None  # the session's start (``RoundEvent.session_start``)
    map_name: str | None = None
    guid: str | None = None

    def describe(self, names: dict[str, str] | None = None) -> str:
        parts = []
        if self.session is not None:
            parts.append(f"session {self.session:%Y-%m-%d %H:%M}")
        if self.map_name:
            parts.append(self.map_name)
        if self.guid:
            parts.append((names or {}).get(self.guid, self.guid))
        return ", ".join(parts) or "all recorded rounds"


async def round_ids(db: Any, scope: Scope) -> list[int]:
    """The proximity rounds in scope, oldest first."""
    stats_ids: list[int] | None = None
    if scope.session is not None:
        stats_ids = [r.round_id for r in await stats.session_rounds(db, scope.session)]
        if not stats_ids:
            return []
    rows = await db.fetch(
        """SELECT id FROM (
               SELECT DISTINCT ON (coalesce(r.stats_round_id, -r.id)) r.id, r.end_unix FROM proximity.rounds r
               WHERE ($1::bigint[] IS NULL OR r.stats_round_id = ANY($1::bigint[]))
                 AND ($2::text IS NULL OR r.map_name = $2)
                 AND ($3::text IS NULL OR EXISTS (SELECT 1 FROM proximity.players p
                                                  WHERE p.round_id = r.id AND p.guid = $3))
               ORDER BY coalesce(r.stats_round_id, -r.id), r.source <> 'lua', r.id) chosen
           ORDER BY end_unix, id""", stats_ids, scope.map_name, scope.guid)
    return [row["id"] for row in rows]


async def latest_session(db: Any, timezone: str) -> datetime | None:
    """The start of the latest gaming session that has linked telemetry (None: nothing linked yet)."""
    latest = await db.fetchval("""SELECT stats_round_id FROM proximity.rounds WHERE stats_round_id IS NOT NULL
                                  ORDER BY end_unix DESC, id DESC LIMIT 1""")
    if latest is None:
        return None
    ref = (await stats.round_refs(db, [latest], timezone=timezone)).get(latest)
    return ref.session_start if ref else None


async def session_named(db: Any, text: str) -> datetime:
    """A session by its start (``2025-10-12T21:18:04``) or by a date (that date's session, spec §4.1)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise LookupError(f"session {text!r}: give a date (2025-10-12) or a session start (2025-10-12T21:18:04)") \
            from None
    if len(text) == 10:
        found = await stats.session_for_date(db, date.fromisoformat(text))
        if found is None:
            raise LookupError(f"no gaming session on {text}")
        return found.start
    return moment


async def sessions(db: Any, timezone: str, limit: int = 50) -> list[tuple[datetime, int]]:
    """Sessions with telemetry, latest first: (session start, rounds recorded)."""
    ids = [r["stats_round_id"] for r in await db.fetch(
        """SELECT stats_round_id FROM proximity.rounds WHERE stats_round_id IS NOT NULL
           ORDER BY end_unix DESC LIMIT 5000""")]
    counts: dict[datetime, int] = {}
    for ref in (await stats.round_refs(db, ids, timezone=timezone)).values():
        counts[ref.session_start] = counts.get(ref.session_start, 0) + 1
    return sorted(counts.items(), reverse=True)[:limit]

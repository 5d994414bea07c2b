"""Which stats round a demo recorded, through ``slomix_stats.api`` only.

Candidates are the rounds of the demo's map in the sessions of the day its file name gives
(ET:Legacy's autorecord names start ``YYYY-MM-DD-HHMMSS``), else in the latest sessions. Each is
scored 0-100 on the map, the duration, and the players (GUIDs, then names) and their kills; at
``link_threshold`` or above the demo links itself, below it an admin picks from the candidates.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from slomix_stats import api as stats

if TYPE_CHECKING:
    from .demo import Demo
    from .service import Greatshot

_DATED = re.compile(r"^(\d{4})-(\d{2})-(\d{2})-(\d{2})(\d{2})(\d{2})-")
LATEST_SESSIONS = 20
KEEP_CANDIDATES = 5


@dataclass(frozen=True, slots=True)
class Facts:
    """What a demo says about its round."""

    map_name: str
    duration_seconds: int
    guids: frozenset[str]
    names: frozenset[str]
    kills: int
    recorded: datetime | None


def facts(demo: Demo, filename: str) -> Facts:
    found = _DATED.match(filename)
    recorded = datetime(*map(int, found.groups())) if found else None
    players = [p for p in demo.players if p.team in ("axis", "allies")]
    return Facts(demo.map.lower(), max(0, (demo.end_ms - demo.start_ms) // 1000),
                 frozenset(p.guid.upper()[-8:] for p in players if p.guid), frozenset(p.name.lower() for p in players),
                 sum(1 for k in demo.kills if k.attacker != k.victim and 0 <= k.attacker < 64), recorded)


def same_map(a: str, b: str) -> int:
    """30 for the same map, 15 for one name inside the other (``adlernest`` / ``etl_adlernest``)."""
    a, b = a.lower(), b.lower()
    return 30 if a == b else 15 if a in b or b in a else 0


def score(found: Facts, round_: Any) -> tuple[int, list[str]]:
    """The confidence (0-100) that ``round_`` (a ``RoundEvent``) is the demo's, and why."""
    points, why = same_map(found.map_name, round_.map_name), []
    if points:
        why.append(f"map {round_.map_name}")
    gap = abs(found.duration_seconds - round_.duration_seconds)
    if found.duration_seconds and gap <= 30:
        points += 20
        why.append(f"duration within {gap} s")
    elif found.duration_seconds and gap <= 90:
        points += 10
        why.append(f"duration within {gap} s")
    guids = {p.guid.upper()[-8:] for p in round_.players}
    names = {p.name.lower() for p in round_.players}
    share = (len(found.guids & guids) / len(found.guids) if found.guids
             else len(found.names & names) / len(found.names) if found.names else 0)
    if share >= 0.8:
        points += 40
    elif share >= 0.5:
        points += 20
    if share:
        why.append(f"{round(share * 100)} % of the players")
    kills = sum(p.kills for p in round_.players)
    if kills and abs(kills - found.kills) <= 0.1 * kills:
        points += 10
        why.append(f"{found.kills} kills vs {kills}")
    return min(points, 100), why


async def candidates(db: Any, found: Facts) -> list[Any]:
    """Rounds that could be the demo's: same or similar map, on its day (else in the latest sessions)."""
    if found.recorded is not None:
        day: date = found.recorded.date()
        sessions = await stats.sessions(db, since=datetime.combine(day, datetime.min.time()) - timedelta(hours=6),
                                        until=datetime.combine(day, datetime.max.time()))
    else:
        sessions = await stats.sessions(db, limit=LATEST_SESSIONS)
    rounds = []
    for session in sessions:
        rounds += [r for r in await stats.session_rounds(db, session.start) if same_map(found.map_name, r.map_name)]
    return rounds


async def link(service: Greatshot, demo_id: int, demo: Demo) -> None:
    """Score the candidates and link, or keep them for an admin."""
    if service.kernel.plugin("stats") is None:
        return
    row = await service.db.fetchrow("SELECT filename, link_state FROM greatshot.demos WHERE id = $1", demo_id)
    if row["link_state"] == "confirmed":
        return
    found = facts(demo, row["filename"])
    scored = sorted(((*score(found, r), r) for r in await candidates(service.db, found)),
                    key=lambda s: (-s[0], s[2].round_id))
    best = scored[0] if scored else None
    kept = [{"round_id": r.round_id, "map": r.map_name, "round_number": r.round_number,
             "round_time": r.round_time.isoformat(), "confidence": c, "why": why}
            for c, why, r in scored[:KEEP_CANDIDATES]]
    if best is not None and best[0] >= service.settings.link_threshold:
        state, round_id, confidence = "auto", best[2].round_id, best[0]
    else:
        state, round_id, confidence = ("candidates" if kept else "none"), None, (best[0] if best else None)
    await service.db.execute(
        """UPDATE greatshot.demos SET round_id = $2, link_state = $3, link_confidence = $4, link_candidates = $5
           WHERE id = $1""", demo_id, round_id, state, confidence, json.dumps(kept))


async def confirm(service: Greatshot, demo_id: int, round_id: int | None) -> None:
    """An admin's choice (``None`` unlinks)."""
    await service.db.execute(
        """UPDATE greatshot.demos SET round_id = $2, link_state = CASE WHEN $2::bigint IS NULL THEN 'none'
               ELSE 'confirmed' END, link_confidence = CASE WHEN $2::bigint IS NULL THEN NULL ELSE 100 END
           WHERE id = $1""", demo_id, round_id)

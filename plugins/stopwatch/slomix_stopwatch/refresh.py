"""Recomputing a session's teams and result from what the stats plugin stored.

Every ``on_round`` recomputes the whole session of the round from the database, so the result
never depends on the order or the number of events (idempotent, order independent).
"""

from __future__ import annotations

import logging
from datetime import datetime

import asyncpg

from slomix_stats import api

from . import scoring, store, teams

log = logging.getLogger("slomix.stopwatch")


async def refresh(pool: asyncpg.Pool, session_start: datetime) -> None:
    """Recompute and store the teams and the result of one session (or forget a session that
    no longer exists: a late round merged it into an earlier one)."""
    async with pool.acquire() as conn, conn.transaction():
        await store.lock_session(conn, session_start)
        rounds = await api.session_rounds(conn, session_start)
        if not rounds:
            await store.delete_session(conn, session_start)
            return
        valid = sorted((r for r in rounds if r.is_valid and r.round_number in (1, 2)),
                       key=lambda r: (r.round_time, r.round_id))
        session_end = max(r.round_time for r in rounds)
        await store.absorb_merged(conn, session_start, session_end)
        in_files = {p.guid: p.name for r in valid for p in r.players}
        shown = await api.display_names(conn, in_files)  # the one name rule, the stats plugin's
        players = {guid: shown.get(guid, name) for guid, name in in_files.items()}
        pinned = await store.pins(conn, session_start)
        live = teams.live_pins(pinned, players)
        if pinned and not live:
            # The stale-roster guard (spec §4.7): overrides naming nobody who played are dropped.
            log.info("session %s: pinned players did not play, re-detecting teams", session_start)
            await store.drop_pins(conn, session_start)
        matches = teams.split_matches(valid)
        detected = [teams.detect([teams.Lineup.of(r) for r in match],
                                 teams.live_pins(live, {p.guid for r in match for p in r.players}))
                    for match in matches]
        if not detected or not (detected[0].a or detected[0].b):
            await store.delete_session(conn, session_start)
            return
        meta = await api.round_meta(conn, [r.round_id for r in valid])
        for number, (match, rosters) in enumerate(zip(matches, detected, strict=True), start=1):
            await _name_teams(conn, session_start, rosters, players, number)
            maps = scoring.score_maps(match, meta, rosters)
            # Match 1 is keyed by the session's start (its first round, valid or not), later ones by their own.
            match_start = session_start if number == 1 else match[0].round_time
            await store.save(conn, session_start, session_end if number == len(matches) else match[-1].round_time,
                             rosters, players, maps, number, match_start)
        await store.drop_matches_after(conn, session_start, len(matches))


async def _name_teams(conn: asyncpg.Connection, session_start: datetime, rosters: teams.Rosters,
                      players: dict[str, str], match: int) -> None:
    """An admin's name stays; else a team wearing a clan tag is named after it (following its
    lineup); else a name is drawn from the pool once and kept."""
    stored = await store.names(conn, session_start, match)
    tags = {t: tag for t, tag in teams.tag_names(rosters, players).items()
            if stored.get(t, ("", ""))[1] != "manual"}
    if tags:
        await store.set_names(conn, session_start, tags, "tag", match)
        stored = await store.names(conn, session_start, match)
    named = {team: name for team, (name, _) in stored.items()}
    if len(named) == 2 and named["A"].lower() == named["B"].lower():
        # A tag took the name the other team had drawn: that one draws again.
        named = {t: n for t, n in named.items() if stored[t][1] != "pool"}
    if len(named) < 2:
        taken = {n.lower() for n in named.values()}
        pool_names = [r["name"] for r in await store.pool_teams(conn) if r["name"].lower() not in taken]
        seed = session_start.isoformat() + ("" if match == 1 else f"#{match}")
        drawn = iter(teams.draw_names(pool_names, seed))
        await store.set_names(conn, session_start, {t: next(drawn) for t in teams.TEAMS if t not in named}, "pool",
                              match)


async def ensure(pool: asyncpg.Pool, session_start: datetime) -> None:
    """Compute a session not seen yet (history imported before the plugin was enabled)."""
    if not await store.has_result(pool, session_start):
        await refresh(pool, session_start)


async def backfill(pool: asyncpg.Pool) -> int:
    """Compute every session that has valid rounds but no stored result; returns how many."""
    done = await store.result_starts(pool)
    missing = [s.start for s in await api.sessions(pool) if s.valid_rounds and s.start not in done]
    for start in missing:
        await refresh(pool, start)
    return len(missing)

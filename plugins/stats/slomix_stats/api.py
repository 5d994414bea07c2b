"""The stats plugin's public interface: what other plugins may import.

``RoundEvent`` is what ``on_round`` carries; ``history_now``, ``sessions``, ``session_for_date``,
``session_rounds`` and ``round_meta`` read the history back; ``find_round`` and ``round_refs``
place another plugin's per-round data (proximity telemetry) on the stats round it belongs to;
``find_players``, ``display_names`` and ``linked_guid`` name players; ``duration``, ``side`` and
``weapon_name`` write times, sides and weapons as every Slomix surface does; ``versus_known`` and
``versus_totals`` read the endstats versus rows (who killed whom). ``SessionMatch`` (with
``MatchTeam`` and ``MatchMap``) is what a scoring plugin answers ``on_session_matches`` with: the
session pages and commands lead with it. Everything else in this package is internal.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any

import msgspec

from .formatting import SIDES, duration, plain_name, side, weapon_name

__all__ = ["SIDES", "MatchMap", "MatchTeam", "PlayerLine", "RoundEvent", "RoundMetaInfo", "SessionInfo",
           "SessionMatch", "VersusTotal", "display_names", "duration", "find_players", "history_now", "plain_name",
           "round_meta", "session_for_date", "session_rounds", "sessions", "side", "versus_known", "versus_totals",
           "weapon_name"]


class PlayerLine(msgspec.Struct, frozen=True):
    """One player's round (for an R2: the R2-only values)."""

    guid: str
    name: str
    team: int
    kills: int
    deaths: int
    damage_given: int
    damage_received: int
    time_played_seconds: int
    dpm: float


class RoundEvent(msgspec.Struct, frozen=True, kw_only=True):
    """A round as committed: sent through ``on_round`` after every change to it.

    ``change`` is ``new`` for a round just imported, ``updated`` when a later file changed
    it (its R1 arrived, webhook timing arrived, a restart cancelled it).
    """

    round_id: int
    change: str
    match_id: str
    map_name: str
    round_number: int
    round_time: datetime
    session_start: datetime
    status: str
    is_valid: bool
    defender_team: int
    winner_team: int
    outcome: str
    time_limit_seconds: int | None
    next_time_limit_seconds: int | None
    duration_seconds: int
    duration_source: str
    end_reason: str | None
    surrender_team: int | None
    players: list[PlayerLine]


# -- reading the history back (for plugins such as the stopwatch) -------------------------------
#
# ``db`` is an asyncpg pool or connection: pass a connection to read inside your own transaction.


class SessionInfo(msgspec.Struct, frozen=True, kw_only=True):
    """A gaming session: consecutive rounds at most the session gap apart (spec §4.1).

    ``start`` (its first round time, ``RoundEvent.session_start``) identifies it; ``end`` is its
    last round time; ``valid_rounds`` counts the rounds that count (completed or substituted, no
    bots, no orphans, a player in them). Without any it is not a session a player would name.
    """

    start: datetime
    end: datetime
    rounds: int
    valid_rounds: int


class RoundMetaInfo(msgspec.Struct, frozen=True, kw_only=True):
    """What the round-end webhook or gametime file said about a round; None where it said nothing.

    Sides are 1 Axis, 2 Allies (0 or None: unknown). ``time_limit_seconds`` is the server's
    time limit as the Lua read it; ``actual_duration_seconds`` is end - start - pauses.
    """

    round_id: int
    time_limit_seconds: int | None
    actual_duration_seconds: int | None
    pause_seconds: int | None
    end_reason: str | None
    surrender_team: int | None
    winner_team: int | None
    defender_team: int | None
    round_start_unix: int | None
    round_end_unix: int | None


_SESSIONS = """
    SELECT session_start AS start, max(round_time) AS end, count(*) AS rounds,
           count(*) FILTER (WHERE is_valid AND status IN ('completed', 'substitution')) AS valid_rounds
    FROM stats.rounds r GROUP BY session_start
    HAVING ($1::timestamp IS NULL OR max(round_time) >= $1) AND ($2::timestamp IS NULL OR session_start <= $2)
    ORDER BY session_start DESC LIMIT $3"""


async def sessions(db: Any, *, since: datetime | None = None, until: datetime | None = None,
                   limit: int | None = None) -> list[SessionInfo]:
    """The sessions that have a round between ``since`` and ``until`` (inclusive), latest first."""
    rows = await db.fetch(_SESSIONS, since, until, limit)
    return [SessionInfo(**dict(r)) for r in rows]


async def history_now(db: Any) -> datetime | None:
    """The history's "now": the newest round's time. Windows such as "the last 90 days" count
    back from it, not from the wall clock, so an imported history reads the same whenever it is
    read (None: no rounds yet)."""
    return await db.fetchval("SELECT max(round_time) FROM stats.rounds")


async def session_for_date(db: Any, day: date) -> SessionInfo | None:
    """The one session a calendar date stands for (a date never blends two sessions, spec §4.1).

    The latest session with valid rounds that started that day; failing that, the latest with
    valid rounds that day (a session from the evening before, past midnight).
    """
    start = datetime.combine(day, time())
    found = [s for s in await sessions(db, since=start, until=start + timedelta(days=1, microseconds=-1))
             if s.valid_rounds]
    found.sort(key=lambda s: (s.start.date() == day, s.start), reverse=True)
    return found[0] if found else None


async def session_rounds(db: Any, session_start: datetime) -> list[RoundEvent]:
    """Every round of the session (all statuses, valid or not) in play order, as ``RoundEvent``s
    whose ``change`` is ``stored``."""
    from .events import load  # events imports this module

    ids = await db.fetch("SELECT id FROM stats.rounds WHERE session_start = $1", session_start)
    return await load(db, [r["id"] for r in ids], "stored")


async def round_meta(db: Any, round_ids: Iterable[int]) -> dict[int, RoundMetaInfo]:
    """Webhook / gametime metadata of the given rounds, by round id (rounds without any are absent)."""
    rows = await db.fetch(
        """SELECT round_id, time_limit_minutes * 60 AS time_limit_seconds, actual_duration_seconds,
                  pause_seconds, end_reason, surrender_team, winner_team, defender_team, round_start_unix,
                  round_end_unix
           FROM stats.round_meta WHERE round_id = ANY($1::bigint[])""", list(round_ids))
    return {r["round_id"]: RoundMetaInfo(**dict(r)) for r in rows}


# -- placing another plugin's per-round data on its stats round ------------------------------------


class RoundRef(msgspec.Struct, frozen=True, kw_only=True):
    """Where a stats round sits in the history.

    ``end_unix`` is when it ended: the round-end webhook's or gametime file's measurement when
    one arrived, else the stats file's time (written about 3 s after the end) read in the
    server's time zone. Sides are 1 Axis, 2 Allies (0: unknown).
    """

    round_id: int
    map_name: str
    round_number: int
    round_time: datetime
    end_unix: int
    session_start: datetime
    winner_team: int
    defender_team: int
    status: str
    is_valid: bool


def server_timezone(kernel: Any) -> str:
    """The time zone stats file names are written in (``[plugins.stats] server_timezone``)."""
    settings = kernel.settings_for("stats")
    if settings is None:
        raise LookupError("the stats plugin is not configured")
    return settings.server_timezone


_REFS = """
    SELECT r.id AS round_id, r.map_name, r.round_number, r.round_time, r.session_start, r.winner_team,
           r.defender_team, r.status, r.is_valid,
           coalesce(m.round_end_unix, extract(epoch FROM r.round_time AT TIME ZONE $1)::bigint) AS end_unix
    FROM stats.rounds r LEFT JOIN stats.round_meta m ON m.round_id = r.id"""


async def find_round(db: Any, *, map_name: str, round_number: int, end_unix: int, window_seconds: int,
                     timezone: str) -> RoundRef | None:
    """The round of ``map_name`` and ``round_number`` that ended nearest ``end_unix`` (unix seconds),
    at most ``window_seconds`` away; None when there is none (yet). Any hour of the day."""
    row = await db.fetchrow(
        # The day either side keeps the index on round_time usable whatever the file clock says.
        f"""SELECT * FROM ({_REFS} WHERE r.map_name = $2 AND r.round_number = $3
                AND r.round_time BETWEEN (to_timestamp($4::bigint - $5::int - 86400) AT TIME ZONE $1)
                                     AND (to_timestamp($4::bigint + $5::int + 86400) AT TIME ZONE $1)) x
            WHERE abs(end_unix - $4::bigint) <= $5::int ORDER BY abs(end_unix - $4::bigint), round_id LIMIT 1""",
        timezone, map_name, round_number, end_unix, window_seconds)
    return RoundRef(**dict(row)) if row else None


async def round_refs(db: Any, round_ids: Iterable[int], *, timezone: str) -> dict[int, RoundRef]:
    """The given rounds by id (rounds that no longer exist are absent)."""
    rows = await db.fetch(f"{_REFS} WHERE r.id = ANY($2::bigint[])", timezone, list(round_ids))
    return {r["round_id"]: RoundRef(**dict(r)) for r in rows}


# -- naming players -----------------------------------------------------------------------------


class PlayerMatch(msgspec.Struct, frozen=True):
    """A player found by name or GUID: the 8-character GUID, the display name, counted rounds."""

    guid: str
    name: str
    rounds: int
    last_seen: datetime | None


def like_pattern(text: str) -> str:
    """``text`` matched literally inside a LIKE pattern (``%`` and ``_`` are not wildcards)."""
    return text.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")


async def find_players(db: Any, term: str, limit: int = 10) -> list[PlayerMatch]:
    """By GUID, by alias (case-insensitive, exact first, then partial), by display name.

    Names are compared as the game shows them (colour codes in the term are stripped too); an
    exact GUID or name wins over partial matches. Lifetime round counts are as of the last
    rebuild of the totals (they order the matches).
    """
    # As typed (a shown name, which can itself look like colour codes: "^;") and as the game shows it.
    plain = await db.fetchval("SELECT stats.plain_name($1)", term) or ""
    terms = [t for t in dict.fromkeys((term.strip(), plain)) if t]
    if not terms:
        return []
    rows = await db.fetch(
        """WITH terms AS (SELECT t, lower(t) AS low, pat FROM unnest($1::text[], $3::text[]) AS x (t, pat)),
           hits AS (
               SELECT guid, 0 AS rank FROM stats.aliases, terms WHERE upper(guid) = upper(t)
               UNION ALL SELECT guid, 1 FROM stats.aliases, terms WHERE lower(alias) = low
               UNION ALL SELECT guid, 1 FROM stats.links, terms WHERE lower(display_name) = low
               UNION ALL SELECT guid, 2 FROM stats.aliases, terms WHERE upper(guid) LIKE upper(pat) || '%'
               UNION ALL SELECT guid, 3 FROM stats.aliases, terms WHERE lower(alias) LIKE '%' || pat || '%'
               UNION ALL SELECT guid, 3 FROM stats.links, terms WHERE lower(display_name) LIKE '%' || pat || '%')
           SELECT h.guid, min(h.rank) AS rank, coalesce(t.rounds, 0) AS rounds, t.last_seen
           FROM hits h LEFT JOIN stats.player_totals t ON t.guid = h.guid
           GROUP BY h.guid, t.rounds, t.last_seen
           ORDER BY min(h.rank), coalesce(t.rounds, 0) DESC, h.guid LIMIT $2""",
        terms, limit, [like_pattern(t.lower()) for t in terms])
    if rows and rows[0]["rank"] <= 1:
        rows = [r for r in rows if r["rank"] == rows[0]["rank"]]
    names = await display_names(db, [r["guid"] for r in rows])
    return [PlayerMatch(r["guid"], names.get(r["guid"], r["guid"][:8]), r["rounds"], r["last_seen"]) for r in rows]


async def linked_guid(db: Any, discord_id: int) -> str | None:
    """The GUID a Discord user linked with ``!link``, or None."""
    return await db.fetchval("SELECT guid FROM stats.links WHERE discord_id = $1", discord_id)


async def display_names(db: Any, guids: Iterable[str]) -> dict[str, str]:
    """The name every Slomix surface shows for each player, by GUID; unknown GUIDs are absent.

    The one rule (migration 0006): the linked account's ``!setname`` name, else the plain name
    (colour codes and control characters removed, as the game shows it) of most rounds, the
    latest of equals; a name of colour codes only is the GUID's first eight characters.
    """
    rows = await db.fetch("SELECT guid, name FROM stats.display_names WHERE guid = ANY($1::text[])", list(guids))
    return {r["guid"]: r["name"] for r in rows}


# -- a session's matches, as a scoring plugin (the stopwatch) answers on_session_matches --------


class MatchTeam(msgspec.Struct, frozen=True, kw_only=True):
    """One side of a match, kept across side swaps: its name, lineup (GUIDs and the names shown,
    in the same order), points and maps won; ``colour`` (0xRRGGBB) when the community set one."""

    name: str
    guids: list[str]
    players: list[str]
    points: int
    maps_won: int
    colour: int | None = None


class MatchMap(msgspec.Struct, frozen=True, kw_only=True):
    """One map of a match (its R1 and R2). ``r1_attacker`` is the index (0, 1) in
    ``SessionMatch.teams`` of the team that attacked in R1; a ``None`` success is a round not
    played; ``seconds`` is the attack's time (a held attack: the time it was held)."""

    map_name: str
    r1_round_id: int
    r2_round_id: int | None
    r1_attacker: int | None
    r1_success: bool
    r2_success: bool | None
    r1_seconds: int
    r2_seconds: int | None
    points: tuple[int, int]
    description: str


class SessionMatch(msgspec.Struct, frozen=True, kw_only=True):
    """A match of a session: two teams (``teams``), the maps in play order, the score (``"12–6"``),
    ``winner`` (0 a draw, 1 the first team, 2 the second), ``format`` (``"4v4"``) and the scoring
    rule in words. ``number`` of ``of``: a session has a new match when the opponents change."""

    number: int
    of: int
    start: datetime
    end: datetime
    format: str
    score: str
    winner: int
    teams: tuple[MatchTeam, MatchTeam]
    maps: list[MatchMap]
    rule: str


# -- endstats versus rows ------------------------------------------------------------------------


class VersusTotal(msgspec.Struct, frozen=True, kw_only=True):
    """A player against one opponent over every endstats round: kills of the player on the opponent,
    deaths of the player by him, and the rounds in which they met."""

    opponent_guid: str
    opponent_name: str
    kills: int
    deaths: int
    rounds: int


async def versus_known(db: Any) -> tuple[bool, bool]:
    """(any endstats received, any versus rows that name their subject): both False when the server
    writes no endstats; older endstats files (no ``VS_HEADER``) name no subject. Probes that stop at
    the first row: a profile asks on every view, and counting every award row grew with the history."""
    row = await db.fetchrow(
        """SELECT EXISTS (SELECT 1 FROM stats.awards) AS any,
                  EXISTS (SELECT 1 FROM stats.versus WHERE subject_guid IS NOT NULL) AS named""")
    return row["any"], row["named"]


async def versus_totals(db: Any, guid: str) -> list[VersusTotal]:
    """Per opponent, the player's endstats versus rows summed (valid rounds only), most encounters first."""
    rows = await db.fetch(
        """SELECT v.opponent_guid, max(v.opponent_name) AS opponent_name, sum(v.kills)::int AS kills,
                  sum(v.deaths)::int AS deaths, count(DISTINCT v.round_id)::int AS rounds
           FROM stats.versus v JOIN stats.rounds r ON r.id = v.round_id
           WHERE v.subject_guid = $1 AND v.opponent_guid IS NOT NULL AND r.is_valid
           GROUP BY v.opponent_guid ORDER BY sum(v.kills + v.deaths) DESC, v.opponent_guid""", guid)
    return [VersusTotal(**dict(r)) for r in rows]

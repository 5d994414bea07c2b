"""Turning one incoming file into history, in one transaction.

Stats files become rounds; an R2 waits (held, raw, invalid) until its R1 is here, and every
round of a map is re-paired around each new round so the order in which files arrive never
changes the result. Endstats and round metadata wait for their round the same way.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import msgspec

from slomix.kernel import FileOutcome, IncomingFile

from . import events, store
from .api import RoundEvent
from .formats import ParseError, PlayerRound, StatsFile, parse_filename, parse_stats, r2_differential
from .pairing import Assignment, RoundKey, pair
from .rules import judge
from .settings import StatsSettings

CACHE_SIZE = 512


def kind_of(name: str) -> str | None:
    """The kind of file this plugin handles, by its name; None for files that are not ours."""
    if name.startswith("round-end-") and name.endswith(".json"):
        return "webhook"
    if name.startswith("gametime-") and name.endswith(".json"):
        return "gametime"
    if name.endswith(".txt") and "-round-" in name and "_ws" not in name and "_engagements" not in name:
        return "endstats" if name.endswith("-endstats.txt") else "stats"
    return None


NEW = -1  # the id of the round being imported, before it has one


def one_line_per_guid(stats: StatsFile) -> tuple[StatsFile, str]:
    """Two clients sharing an 8-character GUID prefix (spec §1.10.13) would be one player twice:
    keep the line with the most time played, and say so."""
    best: dict[str, PlayerRound] = {}
    for p in stats.players:
        if p.guid not in best or p.time_played_seconds > best[p.guid].time_played_seconds:
            best[p.guid] = p
    if len(best) == len(stats.players):
        return stats, ""
    kept = [p for p in stats.players if best[p.guid] is p]
    names = sorted({p.clean_name for p in stats.players if best[p.guid] is not p})
    return msgspec.structs.replace(stats, players=kept), f"; dropped duplicate GUID line(s) of {', '.join(names)}"


@dataclass(slots=True)
class Result:
    outcome: FileOutcome
    changed: list[int] = field(default_factory=list)
    new: int | None = None
    event: RoundEvent | None = None


class Ingestor:
    """Owns the rules of ingestion; the plugin hands it files and broadcasts what changed."""

    def __init__(self, settings: StatsSettings) -> None:
        self.settings = settings
        self.tz = ZoneInfo(settings.server_timezone)
        self.window = timedelta(minutes=settings.match_window_minutes)
        self.restart_window = timedelta(minutes=settings.restart_window_minutes)
        self.gap = timedelta(minutes=settings.session_gap_minutes)
        # A new round can change the pairing of rounds this close to it; their own pairing
        # depends on rounds up to this far from them.
        self.influence = max(self.window, self.restart_window)
        self.reach = self.window + self.influence
        self._parsed: OrderedDict[int, StatsFile] = OrderedDict()

    async def ingest(self, conn: asyncpg.Connection, file: IncomingFile) -> Result | None:
        kind = kind_of(file.name)
        if kind is None:
            return None
        sha256 = hashlib.sha256(file.data).hexdigest()
        handler = {"stats": self._stats, "endstats": self._endstats, "gametime": self._meta, "webhook": self._meta}
        try:
            async with store.import_transaction(conn):
                if await store.find_file(conn, file.name, sha256) is not None:
                    return Result(FileOutcome(status="duplicate", kind=kind, detail="already received"))
                return await handler[kind](conn, file, kind, sha256)
        except asyncpg.IntegrityConstraintViolationError as error:
            # Data the parser let through but the schema refuses: keep the file and say why.
            async with store.import_transaction(conn):
                return await self._quarantine(conn, file, kind, sha256, ParseError(
                    file.name, f"the database refused it: {error.__class__.__name__}: {error}"))

    async def _quarantine(self, conn: asyncpg.Connection, file: IncomingFile, kind: str, sha256: str,
                          error: ParseError) -> Result:
        reason = str(error)
        await store.add_file(conn, name=file.name, kind=kind, sha256=sha256, status="quarantined",
                             data=file.data, source=file.source, reason=reason)
        return Result(FileOutcome(status="quarantined", kind=kind, detail=reason))

    # -- stats files -----------------------------------------------------------------------

    async def _stats(self, conn: asyncpg.Connection, file: IncomingFile, kind: str, sha256: str) -> Result:
        try:
            name = parse_filename(file.name)
            stats = parse_stats(file.data, file.name)
            if name.round_number not in (1, 2):
                raise ParseError(file.name, f"round {name.round_number}: stopwatch rounds are 1 or 2")
        except ParseError as error:
            return await self._quarantine(conn, file, kind, sha256, error)
        stats, dropped = one_line_per_guid(stats)
        time = name.timestamp
        assert time is not None
        earlier = await store.replaced_round(conn, file.name)
        if earlier is not None:
            # The server rewrote the file: its new content replaces the round.
            await conn.execute("DELETE FROM stats.rounds WHERE id = $1", earlier["id"])
            await store.set_file_status(conn, earlier["file_id"], "superseded", "replaced by a newer version")

        # Pair first, with the new round among its neighbours, so it is written once, final.
        rows = await store.map_window(conn, stats.map_name, time - self.reach, time + self.reach)
        keys = [RoundKey(r["id"], r["round_number"], r["round_time"], frozenset(r["guids"])) for r in rows]
        keys.append(RoundKey(NEW, stats.round_number, time, frozenset(p.guid for p in stats.players)))
        assignments = pair(keys, window=self.window, restart_window=self.restart_window)
        mine = assignments[NEW]
        values = stats
        if mine.r1_id is not None:
            r1_file = next(r["file_id"] for r in rows if r["id"] == mine.r1_id)
            values = r2_differential(await self._parsed_file(conn, r1_file), stats)
        verdict = judge(values, mine.status, self.settings.excluded_maps)
        held = mine.status == "orphan_r2"
        file_id, round_id = await store.insert_round(
            conn, name=file.name, sha256=sha256, data=file.data, source=file.source,
            file_status="held" if held else "imported", file_reason="round 2 waiting for its round 1" if held
            else None, stats=values, header=stats.header, time=time, assignment=mine, verdict=verdict)
        self._remember(file_id, stats)
        session_start = await store.assign_session(conn, round_id, time, self.gap)
        changed = await self._apply(conn, rows, assignments, time, new_round_id=round_id)
        linked = await self._link_waiting(conn, round_id, stats.map_name, stats.round_number, time)
        changed += linked
        if held:
            outcome = FileOutcome(status="held", kind=kind, detail="round 2 waiting for its round 1" + dropped,
                                  ref=str(round_id))
        else:
            outcome = FileOutcome(status="updated" if earlier is not None else "imported", kind=kind,
                                  detail=f"round {round_id} ({mine.status})" + dropped, ref=str(round_id))
        # Metadata that waited for this round changed it: then the event is read back.
        event = None if linked else events.from_stats(round_id, values, time, session_start, mine, verdict)
        return Result(outcome, sorted(set(changed) - {round_id}), new=round_id, event=event)

    def _remember(self, file_id: int, stats: StatsFile) -> None:
        self._parsed[file_id] = stats
        self._parsed.move_to_end(file_id)
        while len(self._parsed) > CACHE_SIZE:
            self._parsed.popitem(last=False)

    async def _parsed_file(self, conn: asyncpg.Connection, file_id: int) -> StatsFile:
        if file_id not in self._parsed:
            name, data = await store.file_data(conn, file_id)
            self._remember(file_id, parse_stats(data, name))
        return self._parsed[file_id]

    async def _apply(self, conn: asyncpg.Connection, rows: list, assignments: dict[int, Assignment],
                     time: datetime, *, new_round_id: int) -> list[int]:
        """Rewrite the neighbouring rounds whose pairing the new round changed."""
        def real(round_id: int | None) -> int | None:
            return new_round_id if round_id == NEW else round_id

        file_of = {r["id"]: r["file_id"] for r in rows}
        changed = []
        for row in rows:
            if abs(row["round_time"] - time) > self.influence:
                continue  # outside what the new round can influence
            want = assignments[row["id"]]
            r1_id = real(want.r1_id)
            rediff = r1_id != row["r1_round_id"]
            if not (rediff or want.match_id != row["match_id"] or want.status != row["status"]):
                continue
            stats = await self._parsed_file(conn, row["file_id"])
            if r1_id is not None:
                r1_file = file_of.get(r1_id) or await conn.fetchval(
                    "SELECT file_id FROM stats.rounds WHERE id = $1", r1_id)
                stats = r2_differential(await self._parsed_file(conn, r1_file), stats)
            if rediff:
                await store.write_players(conn, row["id"], stats.players)
            verdict = judge(stats, want.status, self.settings.excluded_maps)
            await store.update_round(
                conn, row["id"], match_id=want.match_id, status=want.status, r1_round_id=r1_id,
                is_valid=verdict.is_valid, invalid_reason=verdict.reason, outcome=verdict.outcome,
                bot_count=verdict.bot_count, human_count=verdict.human_count)
            await store.set_file_status(conn, row["file_id"], "held" if want.status == "orphan_r2" else "imported",
                                        "round 2 waiting for its round 1" if want.status == "orphan_r2" else None)
            changed.append(row["id"])
        return changed

    # -- endstats ---------------------------------------------------------------------------

    async def _endstats(self, conn: asyncpg.Connection, file: IncomingFile, kind: str, sha256: str) -> Result:
        from .formats import parse_endstats

        try:
            name = parse_filename(file.name)
            parsed = parse_endstats(file.data, file.name)
        except ParseError as error:
            return await self._quarantine(conn, file, kind, sha256, error)
        file_id = await store.add_file(conn, name=file.name, kind=kind, sha256=sha256, status="held",
                                       data=file.data, source=file.source, reason="waiting for its round")
        round_id = await conn.fetchval(
            """SELECT id FROM stats.rounds WHERE map_name = $1 AND round_number = $2
               AND abs(extract(epoch FROM round_time - $3::timestamp)) <= $4
               ORDER BY abs(extract(epoch FROM round_time - $3::timestamp)) LIMIT 1""",
            name.map, name.round_number, name.timestamp, self.settings.endstats_window_seconds)
        if round_id is None:
            return Result(FileOutcome(status="held", kind=kind, detail="waiting for its round"))
        status = await self._attach_endstats(conn, round_id, file_id, parsed, len(file.data))
        return Result(FileOutcome(status="imported" if status == "imported" else "duplicate", kind=kind,
                                  detail=f"round {round_id}" + ("" if status == "imported"
                                                                else ": a richer endstats file is kept"),
                                  ref=str(round_id)), [round_id])

    async def _attach_endstats(self, conn: asyncpg.Connection, round_id: int, file_id: int, parsed: Any,
                               size: int) -> str:
        """Store the file's awards and versus rows unless the round already has a richer file."""
        from .formats import parse_endstats

        current = await conn.fetchval("SELECT file_id FROM stats.awards WHERE round_id = $1 LIMIT 1", round_id)
        if current is not None and current != file_id:
            old_name, old_data = await store.file_data(conn, current)
            old = parse_endstats(old_data, old_name)
            if (len(old.awards), len(old.versus), len(old_data)) >= (len(parsed.awards), len(parsed.versus), size):
                await store.set_file_status(conn, file_id, "superseded", f"file {current} is richer")
                return "superseded"
            await store.set_file_status(conn, current, "superseded", f"file {file_id} is richer")
        names = {r["clean_name"]: r["guid"] for r in await conn.fetch(
            "SELECT clean_name, guid FROM stats.player_rounds WHERE round_id = $1", round_id)}
        await conn.execute("DELETE FROM stats.awards WHERE round_id = $1", round_id)
        await conn.execute("DELETE FROM stats.versus WHERE round_id = $1", round_id)
        await conn.executemany(
            """INSERT INTO stats.awards (round_id, file_id, ordinal, award, player_name, guid, value_text,
                                         value, unit) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)""",
            [(round_id, file_id, i, a.name, a.player, names.get(a.player), a.value_text, a.value, a.unit)
             for i, a in enumerate(parsed.awards)])
        await conn.executemany(
            """INSERT INTO stats.versus (round_id, ordinal, subject_name, subject_guid, opponent_name,
                                         opponent_guid, kills, deaths) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
            [(round_id, i, v.subject_name,
              v.subject_guid[:8].upper() if v.subject_guid else names.get(v.subject_name or ""),
              v.opponent_name, names.get(v.opponent_name), v.kills, v.deaths) for i, v in enumerate(parsed.versus)])
        await store.set_file_status(conn, file_id, "imported", None)
        return "imported"

    # -- round metadata (webhook payloads, gametime files) ----------------------------------------

    async def _meta(self, conn: asyncpg.Connection, file: IncomingFile, kind: str, sha256: str) -> Result:
        from .formats import parse_gametime, parse_round_end_payload

        try:
            meta = (parse_gametime(file.data, file.name) if kind == "gametime"
                    else parse_round_end_payload(file.data))
            if meta.round_end_unix is None:
                raise ParseError(file.name, "round_end_unix is missing: cannot tell which round this is")
        except ParseError as error:
            return await self._quarantine(conn, file, kind, sha256, error)
        file_id = await store.add_file(conn, name=file.name, kind=kind, sha256=sha256, status="held",
                                       data=file.data, source=file.source, reason="waiting for its round")
        meta_id = await store.upsert_meta(conn, file_id, meta)
        round_id = await conn.fetchval(
            """SELECT id FROM stats.rounds WHERE map_name = $1 AND round_number = $2
               AND abs(extract(epoch FROM (round_time AT TIME ZONE $5)) - $3) <= $4
               ORDER BY abs(extract(epoch FROM (round_time AT TIME ZONE $5)) - $3) LIMIT 1""",
            meta.map, meta.round, meta.round_end_unix, self.settings.meta_window_seconds,
            self.settings.server_timezone)
        if round_id is None:
            return Result(FileOutcome(status="held", kind=kind, detail="waiting for its round"))
        await self._apply_meta(conn, round_id, meta_id)
        return Result(FileOutcome(status="imported", kind=kind, detail=f"round {round_id}", ref=str(round_id)),
                      [round_id])

    async def _apply_meta(self, conn: asyncpg.Connection, round_id: int, meta_id: int) -> None:
        meta = await conn.fetchrow(
            """UPDATE stats.round_meta SET round_id = $2 WHERE id = $1
               RETURNING file_id, actual_duration_seconds, end_reason, surrender_team""", meta_id, round_id)
        measured = meta["actual_duration_seconds"]
        await conn.execute(
            """UPDATE stats.rounds SET end_reason = $2, surrender_team = $3,
                   duration_seconds = CASE WHEN $4::int > 0 THEN $4::int ELSE duration_seconds END,
                   duration_source = CASE WHEN $4::int > 0 THEN 'measured' ELSE duration_source END
               WHERE id = $1""", round_id, meta["end_reason"], meta["surrender_team"], measured or 0)
        await conn.execute("UPDATE stats.files SET status = 'imported', reason = NULL WHERE id IN "
                           "(SELECT file_id FROM stats.round_meta WHERE id = $1)", meta_id)

    # -- what waited for a round ----------------------------------------------------------------------

    async def _link_waiting(self, conn: asyncpg.Connection, round_id: int, map_name: str, round_number: int,
                            time: datetime) -> list[int]:
        """Attach held endstats files and metadata that belong to the round just stored."""
        changed = []
        end_unix = time.replace(tzinfo=self.tz).timestamp()
        waiting = await conn.fetch(
            """(SELECT 'meta' AS kind, id, NULL::text AS name, NULL::bytea AS data FROM stats.round_meta
                WHERE round_id IS NULL AND map_name = $1 AND round_number = $2 AND abs(round_end_unix - $3) <= $4
                ORDER BY abs(round_end_unix - $3) LIMIT 1)
               UNION ALL
               SELECT 'endstats', id, name, data FROM stats.files
               WHERE kind = 'endstats' AND status = 'held' AND name LIKE $5""",
            map_name, round_number, end_unix, self.settings.meta_window_seconds,
            f"%-{map_name}-round-{round_number}-endstats.txt")
        for row in waiting:
            if row["kind"] == "meta":
                await self._apply_meta(conn, round_id, row["id"])
                changed.append(round_id)
                continue
            from .formats import parse_endstats

            stamp = parse_filename(row["name"]).timestamp
            if stamp is not None and abs((stamp - time).total_seconds()) <= self.settings.endstats_window_seconds:
                await self._attach_endstats(conn, round_id, row["id"], parse_endstats(row["data"], row["name"]),
                                            len(row["data"]))
                changed.append(round_id)
        return changed

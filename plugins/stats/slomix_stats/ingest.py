"""Turning incoming files into history: stats files of a batch in one transaction, others one each.

Stats files become rounds; an R2 waits (held, raw, invalid) until its R1 is here, and every
round of a map is re-paired around each new round so the order in which files arrive never
changes the result. Endstats and round metadata wait for their round the same way. A batch
(``slomix import``, a poller catching up) is paired in memory and written with one COPY per
table; a single file is a batch of one.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable
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
from .rules import Verdict, judge
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


@dataclass(slots=True)
class NewRound:
    """A round of the batch being written, as parsed (``stats``) and as stored (``values``)."""

    index: int
    file_id: int
    file: IncomingFile
    sha256: str
    stats: StatsFile
    time: datetime
    dropped: str
    replaces: bool
    values: StatsFile | None = None
    assignment: Assignment | None = None
    verdict: Verdict | None = None


@dataclass(slots=True)
class Row:
    """A round of one map as pairing sees it: stored already, or ``new`` in this batch."""

    id: int
    file_id: int
    round_number: int
    time: datetime
    guids: frozenset[str]
    match_id: str | None = None
    status: str | None = None
    r1_round_id: int | None = None
    new: NewRound | None = None


# A stored round re-paired by the batch: the row, its new player values (None: unchanged),
# its pairing and its verdict.
Update = tuple[Row, StatsFile | None, Assignment, Verdict]


# Told right after each commit: that transaction's results and the rounds it changed, as events.
Committed = Callable[[list[Result], list[RoundEvent]], None]


class Ingestor:
    """Owns the rules of ingestion; the plugin hands it files and hears what each commit changed."""

    def __init__(self, settings: StatsSettings, committed: Committed = lambda _results, _events: None) -> None:
        self.settings = settings
        self.committed = committed
        self.tz = ZoneInfo(settings.server_timezone)
        self.window = timedelta(minutes=settings.match_window_minutes)
        self.restart_window = timedelta(minutes=settings.restart_window_minutes)
        self.gap = timedelta(minutes=settings.session_gap_minutes)
        # A new round can change the pairing of rounds this close to it; their own pairing
        # depends on rounds up to this far from them.
        self.influence = max(self.window, self.restart_window)
        self.reach = self.window + self.influence
        self._parsed: OrderedDict[int, StatsFile] = OrderedDict()

    async def ingest_many(self, conn: asyncpg.Connection, files: list[IncomingFile]) -> list[Result | None]:
        """One result per file (None: not ours). Stats files first, a batch per run of distinct
        names; endstats and metadata after them, so most find their round already there."""
        results: list[Result | None] = [None] * len(files)
        batch: list[int] = []
        names: set[str] = set()
        for index, file in enumerate([*files, None]):
            if file is None or (kind_of(file.name) == "stats" and file.name in names):
                for at, result in zip(batch, await self._stats_batch(conn, [files[i] for i in batch]), strict=True):
                    results[at] = result
                batch, names = [], set()
            if file is not None and kind_of(file.name) == "stats":
                batch.append(index)
                names.add(file.name)
        for index, file in enumerate(files):
            kind = kind_of(file.name)
            if kind not in (None, "stats"):
                results[index] = await self._one(conn, file, kind)
        return results

    async def _one(self, conn: asyncpg.Connection, file: IncomingFile, kind: str) -> Result:
        sha256 = hashlib.sha256(file.data).hexdigest()
        handler = {"endstats": self._endstats, "gametime": self._meta, "webhook": self._meta}[kind]
        done: list[Result] = []
        told: list[RoundEvent] = []
        try:
            async with store.import_transaction(conn, lambda: self.committed(done, told)):
                found = await store.find_file(conn, file.name, sha256)
                if found is not None:
                    return Result(FileOutcome(status="duplicate", kind=kind, detail="already received" if
                                              found["name"] == file.name else f"same content as {found['name']}"))
                result = await handler(conn, file, kind, sha256)
                told += await self._events(conn, [result])
                done.append(result)
                return result
        except asyncpg.IntegrityConstraintViolationError as error:
            return await self._refused(conn, file, kind, sha256, error)

    @staticmethod
    async def _events(conn: asyncpg.Connection, results: list[Result]) -> list[RoundEvent]:
        """What the listeners are told about a transaction's rounds, read inside it (so its commit
        and telling them are not split by reads)."""
        told = [r.event for r in results if r.event]
        told += await events.load(conn, [r.new for r in results if r.new and not r.event], "new")
        fresh = {r.new for r in results}
        told += await events.load(conn, sorted({c for r in results for c in r.changed} - fresh), "updated")
        return told

    async def _refused(self, conn: asyncpg.Connection, file: IncomingFile, kind: str, sha256: str,
                       error: Exception) -> Result:
        """Data the parser let through but the schema refuses: keep the file and say why."""
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

    async def _stats_batch(self, conn: asyncpg.Connection, files: list[IncomingFile]) -> list[Result]:
        if not files:
            return []
        done: list[Result] = []
        told: list[RoundEvent] = []
        try:
            async with store.import_transaction(conn, lambda: self.committed(done, told)):
                results = await self._stats(conn, files)
                told += await self._events(conn, results)
                done += results
                return results
        except asyncpg.IntegrityConstraintViolationError as error:
            if len(files) > 1:  # find the file the database refuses; the others go in
                return [result for file in files for result in await self._stats_batch(conn, [file])]
            return [await self._refused(conn, files[0], "stats", hashlib.sha256(files[0].data).hexdigest(), error)]

    async def _stats(self, conn: asyncpg.Connection, files: list[IncomingFile]) -> list[Result]:
        """Pair the batch's rounds with their neighbours in memory, then write each table once."""
        results: list[Result | None] = [None] * len(files)
        known = await store.known_files(conn, [f.name for f in files])
        digests = [hashlib.sha256(file.data).hexdigest() for file in files]
        same = await store.same_content(conn, digests)  # content identity wins over names
        news: list[NewRound] = []
        refused: list[tuple[int, str, ParseError]] = []
        replaced = []
        for index, (file, sha256) in enumerate(zip(files, digests, strict=True)):
            earlier = known.get(file.name, [])
            if any(row["sha256"] == sha256 for row in earlier):
                results[index] = Result(FileOutcome(status="duplicate", kind="stats", detail="already received"))
                continue
            if same.setdefault(sha256, file.name) != file.name:
                results[index] = Result(FileOutcome(status="duplicate", kind="stats",
                                                    detail=f"same content as {same[sha256]}"))
                continue
            try:
                name = parse_filename(file.name)
                stats = parse_stats(file.data, file.name)
                if name.round_number not in (1, 2):
                    raise ParseError(file.name, f"round {name.round_number}: stopwatch rounds are 1 or 2")
            except ParseError as error:
                refused.append((index, sha256, error))
                continue
            stats, dropped = one_line_per_guid(stats)
            replaces = [row for row in earlier if row["round_id"] is not None]
            replaced += replaces
            assert name.timestamp is not None
            news.append(NewRound(index, 0, file, sha256, stats, name.timestamp, dropped, bool(replaces)))
        file_ids, round_ids = await store.allocate_ids(conn, len(news) + len(refused), len(news))
        for row in replaced:
            # The server rewrote the file: its new content replaces the round.
            await store.drop_round(conn, row["round_id"], row["id"])

        maps = self._neighbours(await store.map_windows(conn, self._windows(news)))
        changed: dict[int, list[int]] = {}
        updates: dict[int, Update] = {}
        times = {round_id: new.time for new, round_id in zip(news, round_ids, strict=True)}
        for new, file_id, round_id in zip(news, file_ids, round_ids, strict=False):  # then the refused files' ids
            new.file_id = file_id
            self._remember(file_id, new.stats)
            changed[new.index] = await self._place(conn, maps.setdefault(new.stats.map_name, []), Row(
                round_id, file_id, new.stats.round_number, new.time, frozenset(p.guid for p in new.stats.players),
                new=new), updates)

        await store.write_new(
            conn, files=[*(self._file_record(new) for new in news),
                         *((file_id, files[i].name, "stats", sha256, "quarantined", str(error), files[i].source,
                            files[i].data) for (i, sha256, error), file_id in
                           zip(refused, file_ids[len(news):], strict=True))],
            rounds=[store.round_record(round_id, new.file_id, new.values, times[round_id], new.assignment,
                                       new.verdict) for new, round_id in zip(news, round_ids, strict=True)],
            players=[(round_id, times[round_id], new.values.players)
                     for new, round_id in zip(news, round_ids, strict=True)])
        await self._rewrite(conn, updates)
        sessions = await store.assign_sessions(conn, list(times.items()), self.gap) if news else {}
        waiting = bool(news) and await store.anything_waiting(conn)
        for new, round_id in zip(news, round_ids, strict=True):
            linked = await self._link_waiting(conn, round_id, new.stats.map_name, new.stats.round_number,
                                              times[round_id]) if waiting else []
            results[new.index] = self._result(new, round_id, times[round_id], sessions[round_id], linked,
                                              changed[new.index])
        for index, _sha256, error in refused:
            results[index] = Result(FileOutcome(status="quarantined", kind="stats", detail=str(error)))
        return results  # type: ignore[return-value]

    def _windows(self, news: list[NewRound]) -> dict[str, tuple[datetime, datetime]]:
        """Per map, the time span whose stored rounds pairing may look at or change."""
        windows: dict[str, tuple[datetime, datetime]] = {}
        for new in news:
            start, stop = windows.get(new.stats.map_name, (new.time, new.time))
            windows[new.stats.map_name] = (min(start, new.time), max(stop, new.time))
        return {name: (start - self.reach, stop + self.reach) for name, (start, stop) in windows.items()}

    @staticmethod
    def _neighbours(records: list[asyncpg.Record]) -> dict[str, list[Row]]:
        maps: dict[str, list[Row]] = {}
        for r in records:
            maps.setdefault(r["map_name"], []).append(Row(
                r["id"], r["file_id"], r["round_number"], r["round_time"], frozenset(r["guids"]), r["match_id"],
                r["status"], r["r1_round_id"]))
        return maps

    @staticmethod
    def _file_record(new: NewRound) -> tuple[Any, ...]:
        held = new.assignment is not None and new.assignment.status == "orphan_r2"
        return (new.file_id, new.file.name, "stats", new.sha256, "held" if held else "imported",
                "round 2 waiting for its round 1" if held else None, new.file.source, new.file.data)

    def _result(self, new: NewRound, round_id: int, time: datetime, session_start: datetime, linked: list[int],
                changed: list[int]) -> Result:
        assert new.assignment is not None and new.verdict is not None and new.values is not None
        notes = (new.dropped.removeprefix("; "),) if new.dropped else ()
        if new.assignment.status == "orphan_r2":
            outcome = FileOutcome(status="held", kind="stats", detail="round 2 waiting for its round 1" + new.dropped,
                                  ref=str(round_id), notes=notes)
        else:
            outcome = FileOutcome(status="updated" if new.replaces else "imported", kind="stats",
                                  detail=f"round {round_id} ({new.assignment.status})" + new.dropped,
                                  ref=str(round_id), notes=notes)
        # Metadata that waited for this round changed it: then the event is read back.
        event = None if linked else events.from_stats(round_id, new.values, time, session_start, new.assignment,
                                                      new.verdict)
        return Result(outcome, sorted(set(changed + linked) - {round_id}), new=round_id, event=event)

    async def _place(self, conn: asyncpg.Connection, rows: list[Row], row: Row, updates: dict[int, Update]
                     ) -> list[int]:
        """Pair a new round with its map's neighbours; re-pair those it changes. Returns the
        stored rounds it changed (rounds of the batch are changed in memory, before writing)."""
        near = [r for r in rows if abs(r.time - row.time) <= self.reach]
        near.append(row)
        rows.append(row)
        assignments = pair([RoundKey(r.id, r.round_number, r.time, r.guids) for r in near],
                           window=self.window, restart_window=self.restart_window)
        changed = []
        for other in near:
            want = assignments[other.id]
            if other is not row and (abs(other.time - row.time) > self.influence or (
                    want.r1_id == other.r1_round_id and want.match_id == other.match_id
                    and want.status == other.status)):
                continue  # outside what the new round can influence, or unchanged
            if await self._repair(conn, near, other, want, updates):
                changed.append(other.id)
        return changed

    async def _repair(self, conn: asyncpg.Connection, near: list[Row], row: Row, want: Assignment,
                      updates: dict[int, Update]) -> bool:
        """Give a round its new pairing; True when it is a stored round (queued in ``updates``)."""
        rediff = want.r1_id != row.r1_round_id
        stats = row.new.stats if row.new else await self._parsed_file(conn, row.file_id)
        if want.r1_id is not None:
            r1 = next((r for r in near if r.id == want.r1_id), None)
            r1_stats = r1.new.stats if r1 is not None and r1.new else await self._parsed_file(
                conn, r1.file_id if r1 is not None else await conn.fetchval(
                    "SELECT file_id FROM stats.rounds WHERE id = $1", want.r1_id))
            stats = r2_differential(r1_stats, stats)
        verdict = judge(stats, want.status, self.settings.excluded_maps)
        row.match_id, row.status, row.r1_round_id = want.match_id, want.status, want.r1_id
        if row.new is not None:
            row.new.values, row.new.assignment, row.new.verdict = stats, want, verdict
            return False
        # Written after the batch's new rounds, which it may now refer to.
        rewrite = updates.get(row.id, (row, None, want, verdict))[1] is not None or rediff
        updates[row.id] = (row, stats if rewrite else None, want, verdict)
        return True

    @staticmethod
    async def _rewrite(conn: asyncpg.Connection, updates: dict[int, Update]) -> None:
        """Store the new pairing of stored rounds the batch changed."""
        for row, stats, want, verdict in updates.values():
            if stats is not None:
                await store.write_players(conn, row.id, stats.players)
            await store.update_round(
                conn, row.id, match_id=want.match_id, status=want.status, r1_round_id=want.r1_id,
                is_valid=verdict.is_valid, invalid_reason=verdict.reason, outcome=verdict.outcome,
                bot_count=verdict.bot_count, human_count=verdict.human_count)
            held = want.status == "orphan_r2"
            await store.set_file_status(conn, row.file_id, "held" if held else "imported",
                                        "round 2 waiting for its round 1" if held else None)

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

"""Proximity files in: parse, derive, store with their bytes, link to the stats round (or hold).

Each file is its own transaction. A file that cannot be read is quarantined with the reason
(file and line) and its bytes; the same bytes a second time, or another copy of a round already
stored, change nothing; a newer version of a file (same name, same recording) replaces the older.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import anyio
import asyncpg

from slomix.kernel import FileOutcome, IncomingFile

from . import linking, store
from .analytics import RoundFacts, derive
from .fileformat import ProximityFileError, is_proximity_file, parse_file

KIND = "proximity"


@dataclass(frozen=True, slots=True)
class Linking:
    window: int
    timezone: str


def _prepare(data: bytes, name: str) -> tuple[RoundFacts | ProximityFileError, bytes]:
    """What the file says (or why it cannot be read) and its bytes packed for keeping."""
    try:
        facts: RoundFacts | ProximityFileError = derive(parse_file(data, name))
    except ProximityFileError as error:
        facts = error
    return facts, store.pack(data)


async def ingest(conn: asyncpg.Connection, file: IncomingFile, how: Linking) -> FileOutcome | None:
    """What became of one file (None: not a proximity file)."""
    if not is_proximity_file(file.name):
        return None
    data = await file.read()
    sha256 = hashlib.sha256(data).hexdigest()
    known = await store.file_by_hash(conn, sha256)
    if known is not None:
        return FileOutcome(status="duplicate", kind=KIND, detail=f"already received as {known['name']}")
    # Reading a 20-minute round takes a noticeable fraction of a second: not on the event loop.
    facts, packed = await anyio.to_thread.run_sync(_prepare, data, file.name)
    if isinstance(facts, ProximityFileError):
        return await _quarantine(conn, file, sha256, packed, str(facts))
    try:
        async with store.transaction(conn):
            return await _store(conn, file, sha256, packed, facts, how)
    except asyncpg.IntegrityConstraintViolationError as error:
        # Data the parser let through but the schema refuses: keep the file and say why.
        return await _quarantine(conn, file, sha256, packed, f"{file.name}: the database refused it: "
                                                             f"{error.__class__.__name__}: {error}")


async def _quarantine(conn: asyncpg.Connection, file: IncomingFile, sha256: str, packed: bytes,
                      reason: str) -> FileOutcome:
    async with store.transaction(conn):
        if await store.file_by_hash(conn, sha256) is None:
            await store.add_file(conn, name=file.name, sha256=sha256, status="quarantined", size=file.size,
                                 packed=packed, source=file.source, reason=reason)
    return FileOutcome(status="quarantined", kind=KIND, detail=reason)


async def _store(conn: asyncpg.Connection, file: IncomingFile, sha256: str, packed: bytes, facts: RoundFacts,
                 how: Linking) -> FileOutcome:
    t = facts.telemetry
    if await store.file_by_hash(conn, sha256) is not None:  # another import got there first
        return FileOutcome(status="duplicate", kind=KIND, detail="already received")
    earlier = await store.same_round(conn, facts)
    replaced = False
    if earlier is not None:
        if earlier["name"] != file.name:
            return FileOutcome(status="duplicate", kind=KIND,
                               detail=f"{t.map_name} R{t.round_number} is already recorded by {earlier['name']}")
        await store.supersede(conn, earlier["id"], earlier["file_id"], file.name)
        replaced = True
    file_id = await store.add_file(conn, name=file.name, sha256=sha256, status="imported", size=file.size,
                                   packed=packed, source=file.source)
    round_id = await store.write_round(conn, file_id, facts)
    stats_round = await linking.link_new(conn, round_id, map_name=t.map_name, round_number=t.round_number,
                                         end_unix=t.end_unix, window=how.window, timezone=how.timezone)
    what = f"{t.map_name} R{t.round_number}: {sum(len(tr) for tr in t.tracks)} samples, {len(t.kills)} kills"
    if stats_round is None:
        return FileOutcome(status="held", kind=KIND, ref=str(round_id),
                           detail=f"{what}; waiting for its stats round")
    return FileOutcome(status="updated" if replaced else "imported", kind=KIND, ref=str(round_id),
                       detail=f"{what}; stats round {stats_round}")

"""Endstats and round metadata (webhook payloads, gametime files) find their round in any order."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import formats_helpers as h
import pytest

from slomix.kernel import IncomingFile, hookimpl
from slomix_stats.formats import parse_endstats

pytestmark = pytest.mark.anyio
PARIS = ZoneInfo("Europe/Paris")
R1 = "2025-10-14-212214-etl_adlernest-round-1.txt"
R2 = "2025-10-14-212521-etl_adlernest-round-2.txt"


def stats_file(shared_data, name: str, as_name: str | None = None) -> IncomingFile:
    return IncomingFile(name=as_name or name, data=(shared_data / "stats" / name).read_bytes())


def endstats_file(shared_data) -> IncomingFile:
    [path] = (shared_data / "endstats").glob("*.txt")
    return IncomingFile(name=path.name, data=path.read_bytes())


def escape_pair(shared_data) -> list[IncomingFile]:
    """A real te_escape2 R1/R2 pair, renamed to the endstats file's evening (R2 one second earlier)."""
    return [stats_file(shared_data, "2025-10-12-221244-te_escape2-round-1.txt",
                       "2026-01-12-223702-te_escape2-round-1.txt"),
            stats_file(shared_data, "2025-10-12-221603-te_escape2-round-2.txt",
                       "2026-01-12-224605-te_escape2-round-2.txt")]


@pytest.mark.parametrize("endstats_first", [False, True])
async def test_endstats_link_to_their_round(make_kernel, shared_data, endstats_first) -> None:
    kernel = await make_kernel(plugins={"stats"})
    files = escape_pair(shared_data)
    order = [endstats_file(shared_data), *files] if endstats_first else [*files, endstats_file(shared_data)]
    outcomes = [outcome for f in order for _, outcome in await kernel.ingest(f)]
    if endstats_first:
        assert outcomes[0].status == "held" and outcomes[0].detail == "waiting for its round"
    else:
        assert outcomes[-1].status == "imported"
    endstats = order[0 if endstats_first else -1]
    expected = parse_endstats(endstats.data, endstats.name)
    rows = await kernel.db.pool.fetch(
        """SELECT a.award, a.player_name, a.value_text, a.guid, r.round_number FROM stats.awards a
           JOIN stats.rounds r ON r.id = a.round_id ORDER BY a.ordinal""")
    assert [(r["award"], r["player_name"], r["value_text"]) for r in rows] == \
        [(a.name, a.player, a.value_text) for a in expected.awards]
    assert {r["round_number"] for r in rows} == {2}
    # "vid" played that round: his award resolves to his GUID.
    assert {r["guid"] for r in rows if r["player_name"] == "vid"} == {"D8423F90"}
    versus = await kernel.db.pool.fetchval("SELECT count(*) FROM stats.versus")
    assert versus == len(expected.versus)
    status = await kernel.db.pool.fetchval("SELECT status FROM stats.files WHERE kind = 'endstats'")
    assert status == "imported"


async def test_richer_split_endstats_file_wins(make_kernel, shared_data) -> None:
    kernel = await make_kernel(plugins={"stats"})
    for f in escape_pair(shared_data):
        await kernel.ingest(f)
    full = endstats_file(shared_data)
    lines = full.data.split(b"\n")
    part = IncomingFile(name=full.name.replace("224606", "224607"), data=b"\n".join(lines[:3]) + b"\n")
    [(_, small)] = await kernel.ingest(part)
    [(_, rich)] = await kernel.ingest(full)
    assert small.status == rich.status == "imported"
    assert await kernel.db.pool.fetchval("SELECT count(*) FROM stats.awards") == \
        len(parse_endstats(full.data, full.name).awards)
    statuses = dict(await kernel.db.pool.fetch("SELECT name, status FROM stats.files WHERE kind = 'endstats'"))
    assert statuses == {full.name: "imported", part.name: "superseded"}
    [(_, again)] = await kernel.ingest(IncomingFile(name=part.name.replace("224607", "224604"), data=part.data))
    assert again.status == "duplicate" and "richer" in again.detail


def payload(name: str, duration: int, **extra) -> IncomingFile:
    stamp = datetime.strptime(name[:17], "%Y-%m-%d-%H%M%S").replace(tzinfo=PARIS)
    end = int(stamp.timestamp()) - 3  # the file is written about 3 s after the round ends
    body = {"map": "etl_adlernest", "round": int(name[-5]), "round_end_unix": end,
            "round_start_unix": end - duration - 30, "actual_duration_seconds": duration, "total_pause_seconds": 30,
            "pause_count": 1, "end_reason": "objective", "winner": 2, "defender": 1,
            "axis_players": [{"guid": "7B84BE88" + "0" * 24, "name": "endekk"}], **extra}
    return IncomingFile(name=f"round-end-etl_adlernest-R{body['round']}-{end}.json", data=json.dumps(body).encode(),
                        source="webhook")


@pytest.mark.parametrize("meta_first", [False, True])
async def test_webhook_metadata_gives_the_measured_duration(make_kernel, shared_data, meta_first) -> None:
    seen = []

    class Listener:
        @hookimpl
        def on_round(self, event):
            seen.append((event.duration_seconds, event.duration_source))

    kernel = await make_kernel(plugins={"stats"}, extra={"listener": ("plugin", Listener())})
    meta = payload(R1, 131)
    order = [meta, stats_file(shared_data, R1)] if meta_first else [stats_file(shared_data, R1), meta]
    outcomes = [o for f in order for _, o in await kernel.ingest(f)]
    await kernel.settle()
    assert outcomes[0].status == ("held" if meta_first else "imported")
    row = await kernel.db.pool.fetchrow("SELECT duration_seconds, duration_source, end_reason FROM stats.rounds")
    assert tuple(row) == (131, "measured", "objective")
    assert seen[-1] == (131, "measured")  # what reactions are told matches what was committed
    linked = await kernel.db.pool.fetchval("SELECT count(*) FROM stats.round_meta WHERE round_id IS NOT NULL")
    assert linked == 1


async def test_gametime_file_merges_with_the_webhook(make_kernel, shared_data) -> None:
    kernel = await make_kernel(plugins={"stats"})
    await kernel.ingest(stats_file(shared_data, R1))
    webhook = payload(R1, 131)
    await kernel.ingest(webhook)
    body = json.loads(webhook.data)
    gametime = {"meta": {"map": "etl_adlernest", "round": 1, "round_start_unix": body["round_start_unix"],
                         "round_end_unix": body["round_end_unix"], "actual_duration_seconds": 131,
                         "spawn_stats": [{"guid": "7B84BE88" + "0" * 24, "name": "endekk", "spawns": 3,
                                          "deaths": 2, "dead_seconds": 25, "avg_respawn": 12.5,
                                          "max_respawn": 15}]},
                "payload": h.embed(Lua_RoundEnd=str(body["round_end_unix"]),
                                   Lua_RoundStart=str(body["round_start_unix"]), Lua_Playtime="131 sec")}
    name = f"gametime-etl_adlernest-R1-{body['round_end_unix']}.json"
    [(_, outcome)] = await kernel.ingest(IncomingFile(name=name, data=json.dumps(gametime).encode()))
    assert outcome.status == "imported", outcome.detail
    spawn = await kernel.db.pool.fetchval("SELECT spawn_stats FROM stats.round_meta")
    assert spawn[0]["spawns"] == 3
    assert await kernel.db.pool.fetchval("SELECT count(*) FROM stats.round_meta") == 1


async def test_bad_metadata_is_quarantined(make_kernel) -> None:
    kernel = await make_kernel(plugins={"stats"})
    cases = {
        "round-end-supply-R1-1760000000.json": b"{not json",
        "round-end-supply-R2-1760000001.json": json.dumps({"map": "supply", "round": 2}).encode(),
        "round-end-supply-R1-1760000002.json": json.dumps({"map": "supply", "round": "one",
                                                            "round_end_unix": 1}).encode(),
    }
    for name, data in cases.items():
        [(_, outcome)] = await kernel.ingest(IncomingFile(name=name, data=data))
        assert outcome.status == "quarantined", name
        stored = await kernel.db.pool.fetchrow("SELECT data, reason FROM stats.files WHERE name = $1", name)
        assert stored["data"] == data and stored["reason"] == outcome.detail
    assert await kernel.db.pool.fetchval("SELECT count(*) FROM stats.round_meta") == 0

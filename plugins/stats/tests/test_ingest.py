"""Ingesting real stats files: rounds, pairing, sessions, idempotency, order independence."""

from __future__ import annotations

import random
from datetime import datetime
from itertools import pairwise

import anyio
import pytest

from slomix.kernel import IncomingFile, hookimpl
from slomix_stats.formats import find_r1, parse_stats, r2_differential

pytestmark = pytest.mark.anyio


async def ingest_all(kernel, files, as_incoming):
    outcomes = []
    for path in files:
        [(plugin, outcome)] = await kernel.ingest(as_incoming(path))
        assert plugin == "stats"
        outcomes.append(outcome)
    return outcomes


async def test_real_history_imports_with_expected_rounds(make_kernel, stats_files, as_incoming) -> None:
    kernel = await make_kernel(plugins={"stats"})
    outcomes = await ingest_all(kernel, stats_files, as_incoming)
    statuses = [o.status for o in outcomes]
    pool = kernel.db.pool
    assert await pool.fetchval("SELECT count(*) FROM stats.rounds") == 166
    names = [p.name for p in stats_files]
    # Independently: an R2 is held exactly when no R1 of its map precedes it within 45 minutes.
    expected_held = {n for n in names if n.endswith("round-2.txt") and find_r1(n, names) is None}
    assert {n for n, s in zip(names, statuses, strict=True) if s == "held"} == expected_held
    assert statuses.count("imported") == 166 - len(expected_held)
    orphans = await pool.fetch("SELECT f.name FROM stats.rounds r JOIN stats.files f ON f.id = r.file_id "
                               "WHERE r.status = 'orphan_r2' AND NOT r.is_valid")
    assert {r["name"] for r in orphans} == expected_held
    # Every paired R2 shares its R1's match id and stores R2-only values.
    pairs = await pool.fetch(
        """SELECT f2.name AS r2, f1.name AS r1, r2.match_id, r1.match_id AS r1_match
           FROM stats.rounds r2 JOIN stats.rounds r1 ON r1.id = r2.r1_round_id
           JOIN stats.files f2 ON f2.id = r2.file_id JOIN stats.files f1 ON f1.id = r1.file_id
           WHERE r2.status = 'completed'""")
    assert pairs
    for row in pairs:
        assert row["match_id"] == row["r1_match"] == row["r1"][:17]
        assert find_r1(row["r2"], names) == row["r1"]


async def test_r2_rows_equal_the_differential(make_kernel, stats_files, as_incoming, shared_data) -> None:
    kernel = await make_kernel(plugins={"stats"})
    r2 = shared_data / "stats" / "2025-10-14-212521-etl_adlernest-round-2.txt"
    r1 = shared_data / "stats" / "2025-10-14-212214-etl_adlernest-round-1.txt"
    await ingest_all(kernel, [r2, r1], as_incoming)  # R2 first: held, completed when R1 arrives
    expected = r2_differential(parse_stats(r1.read_bytes(), r1.name), parse_stats(r2.read_bytes(), r2.name))
    rows = {r["guid"]: r for r in await kernel.db.pool.fetch(
        """SELECT p.* FROM stats.player_rounds p JOIN stats.rounds r ON r.id = p.round_id
           WHERE r.round_number = 2""")}
    assert set(rows) == {p.guid for p in expected.players}
    for player in expected.players:
        row = rows[player.guid]
        for column in ("kills", "deaths", "damage_given", "time_played_seconds", "xp", "headshot_kills",
                       "revives_given", "denied_playtime"):
            assert row[column] == getattr(player, column), (player.clean_name, column)
        assert row["dpm"] == pytest.approx(player.dpm, abs=0.01)
    # spec §2.4 worked example: endekk R2-only = 4 kills, 3 deaths, 842 damage, 138 s, DPM 366.1
    endekk = rows["7B84BE88"]
    assert (endekk["kills"], endekk["deaths"], endekk["damage_given"], endekk["time_played_seconds"]) == \
        (4, 3, 842, 138)
    assert endekk["dpm"] == pytest.approx(366.1, abs=0.05)
    status = await kernel.db.pool.fetch("SELECT round_number, status, is_valid, match_id FROM stats.rounds "
                                        "ORDER BY round_number")
    assert [tuple(r) for r in status] == [(1, "completed", True, "2025-10-14-212214"),
                                          (2, "completed", True, "2025-10-14-212214")]


async def test_importing_twice_changes_nothing(make_kernel, stats_files, as_incoming, history_dump) -> None:
    kernel = await make_kernel(plugins={"stats"})
    sample = stats_files[:40]
    await ingest_all(kernel, sample, as_incoming)
    before = await history_dump(kernel.db.pool)
    again = await ingest_all(kernel, sample, as_incoming)
    assert {o.status for o in again} == {"duplicate"}
    assert await history_dump(kernel.db.pool) == before


@pytest.mark.parametrize("seed", [1, 2, "reversed"])
async def test_arrival_order_never_changes_the_result(make_kernel, stats_files, as_incoming, history_dump,
                                                      seed) -> None:
    in_order = await make_kernel(plugins={"stats"})
    await ingest_all(in_order, stats_files, as_incoming)
    shuffled_files = list(reversed(stats_files)) if seed == "reversed" else \
        random.Random(seed).sample(stats_files, len(stats_files))
    shuffled = await make_kernel(plugins={"stats"})
    await ingest_all(shuffled, shuffled_files, as_incoming)
    first, second = await history_dump(in_order.db.pool), await history_dump(shuffled.db.pool)
    # Files that waited are 'held' in one order and 'imported' in the other: compare the outcome.
    first["files"] = [f[:3] for f in first["files"]]
    second["files"] = [f[:3] for f in second["files"]]
    assert first == second


@pytest.mark.parametrize("seed", [3, 4])
async def test_batches_of_any_size_give_the_same_history(make_kernel, stats_files, as_incoming, history_dump,
                                                         seed) -> None:
    one_by_one = await make_kernel(plugins={"stats"})
    await ingest_all(one_by_one, stats_files, as_incoming)
    rng = random.Random(seed)
    files = rng.sample(stats_files, len(stats_files))
    batched = await make_kernel(plugins={"stats"})
    while files:
        size = rng.randint(1, 60)
        outcomes = await batched.ingest_many([as_incoming(path) for path in files[:size]])
        assert all(o.status in ("imported", "held") for [(_, o)] in outcomes)
        files = files[size:]
    first, second = await history_dump(one_by_one.db.pool), await history_dump(batched.db.pool)
    first["files"] = [f[:3] for f in first["files"]]
    second["files"] = [f[:3] for f in second["files"]]
    assert first == second


async def test_a_batch_goes_past_bad_duplicate_rewritten_and_refused_files(make_kernel, stats_files,
                                                                           as_incoming) -> None:
    kernel = await make_kernel(plugins={"stats"})
    # A refusal only the database makes: the rest of the batch must still go in.
    await kernel.db.pool.execute("ALTER TABLE stats.rounds ADD CONSTRAINT not_here CHECK (map_name <> 'supply')")
    good = [p for p in stats_files if "supply" not in p.name][:6]
    refused = next(p for p in stats_files if "supply" in p.name and "round-1" in p.name)
    broken = IncomingFile(name=good[0].name.replace("-round-", "x-round-"), data=b"not a stats file")
    rewritten = IncomingFile(name=good[2].name, data=b"\n".join(good[2].read_bytes().split(b"\n")[:-2]) + b"\n")
    files = [*(as_incoming(p) for p in good), broken, as_incoming(refused), as_incoming(good[1]), rewritten]
    statuses = [o.status for [(_, o)] in await kernel.ingest_many(files)]
    # Two of the six are R2s whose R1 is not among the real files.
    assert statuses[:6] == ["imported", "held", "imported", "held", "imported", "imported"]
    assert statuses[6:] == ["quarantined", "quarantined", "duplicate", "updated"]
    reason = await kernel.db.pool.fetchval("SELECT reason FROM stats.files WHERE name = $1", refused.name)
    assert reason.startswith("the database refused it: CheckViolationError") and "not_here" in reason
    assert await kernel.db.pool.fetchval("SELECT count(*) FROM stats.rounds") == 6
    assert await kernel.db.pool.fetchval(
        """SELECT count(*) FROM stats.weapon_rounds w WHERE NOT EXISTS
           (SELECT 1 FROM stats.player_rounds p WHERE p.round_id = w.round_id AND p.guid = w.guid)""") == 0


async def test_sessions_follow_the_gap(make_kernel, stats_files, as_incoming) -> None:
    times = sorted(datetime.strptime(p.name[:17], "%Y-%m-%d-%H%M%S") for p in stats_files)
    expected = 1 + sum(1 for a, b in pairwise(times) if (b - a).total_seconds() > 3600)
    kernel = await make_kernel(plugins={"stats"})
    await ingest_all(kernel, stats_files, as_incoming)
    assert await kernel.db.pool.fetchval("SELECT count(DISTINCT session_start) FROM stats.rounds") == expected
    # Each session starts at its first round.
    bad = await kernel.db.pool.fetchval(
        "SELECT count(*) FROM (SELECT session_start, min(round_time) m FROM stats.rounds GROUP BY 1) s "
        "WHERE session_start <> m")
    assert bad == 0
    wide = await make_kernel(plugins={"stats"}, config={"plugins": {"stats": {"session_gap_minutes": 600}}})
    await ingest_all(wide, stats_files, as_incoming)
    expected_wide = 1 + sum(1 for a, b in pairwise(times) if (b - a).total_seconds() > 36000)
    assert await wide.db.pool.fetchval("SELECT count(DISTINCT session_start) FROM stats.rounds") == expected_wide


async def test_bad_file_is_quarantined_with_its_bytes_and_reason(make_kernel, stats_files, as_incoming) -> None:
    kernel = await make_kernel(plugins={"stats"})
    good = stats_files[0]
    lines = good.read_bytes().split(b"\n")
    lines[3] = b"ABCDEF12\\broken line without stats"
    broken = b"\n".join(lines)
    name = good.name.replace("-round-", "x-round-")
    [(_, outcome)] = await kernel.ingest(IncomingFile(name=name, data=broken))
    assert outcome.status == "quarantined"
    assert "(line 4)" in outcome.detail
    row = await kernel.db.pool.fetchrow("SELECT status, reason, data FROM stats.files WHERE name = $1", name)
    assert row["status"] == "quarantined" and row["reason"] == outcome.detail and row["data"] == broken
    # The rest goes on.
    [(_, ok)] = await kernel.ingest(as_incoming(good))
    assert ok.status == "imported"


async def test_unrelated_files_are_not_ours(make_kernel) -> None:
    kernel = await make_kernel(plugins={"stats"})
    assert await kernel.ingest(IncomingFile(name="notes.md", data=b"hello")) == []
    [(_, outcome)] = await kernel.ingest(IncomingFile(name="2025-13-45-999999-x-round-1.txt", data=b"x"))
    assert outcome.status == "quarantined" and "date" in outcome.detail


async def test_rewritten_file_replaces_its_round(make_kernel, stats_files, as_incoming) -> None:
    kernel = await make_kernel(plugins={"stats"})
    path = stats_files[0]
    await kernel.ingest(as_incoming(path))
    text = path.read_text(encoding="utf-8", errors="surrogateescape")
    header, rest = text.split("\n", 1)
    second_player_gone = header + "\n" + rest.split("\n", 1)[1]
    [(_, outcome)] = await kernel.ingest(IncomingFile(name=path.name, data=second_player_gone.encode(
        "utf-8", errors="surrogateescape")))
    assert outcome.status == "updated"
    assert await kernel.db.pool.fetchval("SELECT count(*) FROM stats.rounds") == 1
    players = await kernel.db.pool.fetchval("SELECT count(*) FROM stats.player_rounds")
    assert players == len(parse_stats(path.read_bytes(), path.name).players) - 1
    assert await kernel.db.pool.fetchval("SELECT status FROM stats.files WHERE name = $1 ORDER BY id LIMIT 1",
                                         path.name) == "superseded"
    # The replaced round's weapon rows went with it.
    assert await kernel.db.pool.fetchval(
        """SELECT count(*) FROM stats.weapon_rounds w WHERE NOT EXISTS
           (SELECT 1 FROM stats.player_rounds p WHERE p.round_id = w.round_id AND p.guid = w.guid)""") == 0


async def test_on_round_is_emitted_after_the_commit(make_kernel, shared_data, as_incoming) -> None:
    seen = []

    class Listener:
        @hookimpl
        async def on_round(self, event, kernel):
            # The round is committed: another connection sees it.
            count = await kernel.db.pool.fetchval("SELECT count(*) FROM stats.player_rounds WHERE round_id = $1",
                                                  event.round_id)
            seen.append((event.round_number, event.change, event.status, count, len(event.players)))

    kernel = await make_kernel(plugins={"stats"}, extra={"listener": ("plugin", Listener())})
    r1 = shared_data / "stats" / "2025-10-14-212214-etl_adlernest-round-1.txt"
    r2 = shared_data / "stats" / "2025-10-14-212521-etl_adlernest-round-2.txt"
    await kernel.ingest(as_incoming(r2))
    await kernel.ingest(as_incoming(r1))
    await kernel.settle()
    assert [s[:3] for s in seen] == [(2, "new", "orphan_r2"), (1, "new", "completed"),
                                     (2, "updated", "completed")]
    assert all(count == players > 0 for *_, count, players in seen)


async def test_a_slow_listener_never_counts_against_the_import(make_kernel, shared_data, as_incoming) -> None:
    heard = []

    class Slow:
        @hookimpl
        async def on_round(self, event, kernel):
            await anyio.sleep(1.5)  # longer than the stats plugin may take for its files
            heard.append(event.round_id)

    kernel = await make_kernel(plugins={"stats"}, extra={"slow": ("plugin", Slow())},
                               config={"plugins": {"stats": {"timeout": 1}}})
    r1 = shared_data / "stats" / "2025-10-14-212214-etl_adlernest-round-1.txt"
    [(plugin, outcome)] = await kernel.ingest(as_incoming(r1))
    assert (plugin, outcome.status) == ("stats", "imported") and heard == []
    await kernel.settle()
    assert heard == [int(outcome.ref)] and kernel.errors == {}


async def test_totals_are_rebuilt_once_imports_pause(make_kernel, shared_data, as_incoming) -> None:
    kernel = await make_kernel(plugins={"stats"}, config={"plugins": {"stats": {"refresh_delay_seconds": 5}}})
    queries = kernel.pm.get_plugin("stats").queries
    files = sorted((shared_data / "stats").glob("2025-10-14-2*.txt"))[:3]
    clock = kernel.scheduler.clock
    for path in files:
        await kernel.ingest(as_incoming(path))
        await clock.advance(3)  # each file moves the rebuild 5 s on
    assert queries.generation == 0
    await clock.advance(2)
    assert queries.generation == 1 and "stats.refresh" not in [j.name for j in kernel.scheduler.jobs()]
    assert await kernel.db.pool.fetchval("SELECT sum(rounds) FROM stats.player_totals") > 0


async def test_two_lines_with_one_guid_keep_the_longer(make_kernel, stats_files) -> None:
    kernel = await make_kernel(plugins={"stats"})
    path = stats_files[-1]
    lines = path.read_bytes().split(b"\n")
    twin = lines[1].split(b"\\", 1)[1]
    clone = lines[2].split(b"\\", 1)[0] + b"\\" + twin  # second player's GUID on the first player's line
    data = b"\n".join([*lines[:3], clone, *lines[3:]])
    [(_, outcome)] = await kernel.ingest(IncomingFile(name=path.name, data=data))
    assert outcome.status in ("imported", "held") and "dropped duplicate GUID" in outcome.detail
    assert len(outcome.notes) == 1 and outcome.notes[0].startswith("dropped duplicate GUID line(s) of ")
    assert await kernel.db.pool.fetchval("SELECT count(*) FROM stats.player_rounds") == \
        len(parse_stats(path.read_bytes(), path.name).players)


@pytest.mark.parametrize("together", [False, True])
async def test_the_same_bytes_under_another_name_count_once(make_kernel, stats_files, together) -> None:
    """Issue 13, defect 6: a stats file renamed to another timestamp added a round (110 -> 119 kills)."""
    kernel = await make_kernel(plugins={"stats"})
    original = next(p for p in stats_files if p.name.endswith("-round-1.txt"))
    renamed = original.name.replace(original.name[11:17], f"{(int(original.name[11:13]) + 1) % 24:02d}"
                                    + original.name[13:17], 1)
    assert renamed != original.name
    data = original.read_bytes()
    files = [IncomingFile(name=original.name, data=data, source="test"),
             IncomingFile(name=renamed, data=data, source="test")]
    if together:
        outcomes = [found for [(_plugin, found)] in await kernel.ingest_many(files)]
    else:
        outcomes = [found for file in files for [(_plugin, found)] in [await kernel.ingest(file)]]
    assert [o.status for o in outcomes] == ["imported", "duplicate"]
    assert outcomes[1].detail == f"same content as {original.name}"
    pool = kernel.db.pool
    assert await pool.fetchval("SELECT count(*) FROM stats.rounds") == 1
    assert await pool.fetchval("SELECT count(*) FROM stats.files") == 1
    kills = await pool.fetchval("SELECT sum(kills) FROM stats.player_rounds")
    assert kills == sum(p.kills for p in parse_stats(data, original.name).players)


async def test_a_stats_file_over_the_cap_is_refused_unread(make_kernel, stats_files, tmp_path) -> None:
    """Issue 13, defect 11: a header plus 200 000 copies of a player line (50 MB) was a valid round."""
    kernel = await make_kernel(plugins={"stats"})
    original = stats_files[0].read_bytes()
    header, player = original.split(b"\n")[0], original.split(b"\n")[1]
    huge = tmp_path / stats_files[0].name
    huge.write_bytes(header + b"\n" + (player + b"\n") * (1024 * 1024 // len(player) + 1))
    file = IncomingFile(name=huge.name, source="import", path=huge)
    [(plugin, outcome)] = await kernel.ingest(file)
    assert (plugin, outcome.status) == ("stats", "quarantined")
    assert outcome.detail == (f"{huge.stat().st_size} bytes, over max_file_bytes (1048576): no stats file is this "
                              "big; not read, not stored")
    assert file._data is None  # never read into memory
    assert await kernel.db.pool.fetchval("SELECT count(*) FROM stats.rounds") == 0

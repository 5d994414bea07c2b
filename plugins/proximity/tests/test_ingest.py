"""The scripted match's file through the real plugins and PostgreSQL: held until its stats round arrives
(at 03:30), linked then, the analyses answering what the script did; re-imports, damaged files."""

from __future__ import annotations

from pathlib import Path

import pytest
from proximity_match import BRONZE, ENDEKK, GUID, OLZ, QMR, SQUAZE, VID, Played, stats_file

from slomix.kernel import IncomingFile
from slomix.testing import CLI_ACTOR
from slomix_proximity.store import unpack

pytestmark = pytest.mark.anyio

COUNTS = """SELECT (SELECT count(*) FROM proximity.files) AS files, (SELECT count(*) FROM proximity.rounds) AS rounds,
                   (SELECT count(*) FROM proximity.tracks) AS tracks, (SELECT count(*) FROM proximity.kills) AS kills,
                   (SELECT count(*) FROM proximity.heat) AS heat"""


async def ask(kernel, line: str):
    reply = await kernel.commands.dispatch(kernel, line, CLI_ACTOR)
    assert not reply.error, reply.description
    return reply


async def only(kernel, file: IncomingFile, plugin: str = "proximity"):
    """What ``plugin`` did with ``file``, once every reaction to it (on_round) has run."""
    found = dict(await kernel.ingest(file))
    await kernel.settle()
    assert kernel.errors == {}, kernel.errors
    return found[plugin]


async def test_file_before_its_round_is_held_then_linked_whatever_the_hour(make_kernel, played, shared_data) -> None:
    kernel = await make_kernel(plugins={"stats", "proximity"})
    outcome = await only(kernel, played.file)
    assert outcome.status == "held" and "waiting for its stats round" in outcome.detail
    assert await kernel.db.pool.fetchval("SELECT stats_round_id FROM proximity.rounds") is None
    stats = stats_file(shared_data, played.end_unix)
    assert stats.name.startswith("2025-10-15-0330")  # 03:30 at night, the predecessor's "dead hours"
    assert (await only(kernel, stats, "stats")).status == "imported"
    round_id = await kernel.db.pool.fetchval("SELECT id FROM stats.rounds")
    assert await kernel.db.pool.fetchval("SELECT stats_round_id FROM proximity.rounds") == round_id
    # The round is in its gaming session: the default scope of the commands.
    reply = await ask(kernel, "!engagements")
    assert reply.data.rounds == 1 and reply.title == "Engagements: session 2025-10-15 03:30"


async def test_stats_round_first_links_at_once_and_reimport_changes_nothing(make_kernel, played,
                                                                            shared_data) -> None:
    kernel = await make_kernel(plugins={"stats", "proximity"})
    await only(kernel, stats_file(shared_data, played.end_unix), "stats")
    outcome = await only(kernel, played.file)
    assert outcome.status == "imported" and "stats round" in outcome.detail
    before = dict(await kernel.db.pool.fetchrow(COUNTS))
    assert before == {"files": 1, "rounds": 1, "tracks": 6, "kills": 5, "heat": before["heat"]} and before["heat"]
    again = await only(kernel, played.file)
    assert again.status == "duplicate"
    # The same bytes under another name (copied by hand, say): still the same round.
    renamed = IncomingFile(name=played.path.name.replace("R1-", "R1-1"), data=played.path.read_bytes(),
                           source="test")
    copy = await only(kernel, renamed)
    assert (copy.status, copy.detail) == ("duplicate", f"already received as {played.path.name}")
    assert dict(await kernel.db.pool.fetchrow(COUNTS)) == before


async def test_the_analyses_answer_what_the_script_did(make_kernel, played, shared_data) -> None:
    kernel = await make_kernel(plugins={"stats", "proximity"})
    await only(kernel, played.file)
    await only(kernel, stats_file(shared_data, played.end_unix), "stats")

    crossfire = (await ask(kernel, "!crossfire")).data
    assert (crossfire.crossfires, crossfire.converted) == (1, 1)
    [pair] = crossfire.pairs
    assert (pair.a, pair.b, pair.mean_angle, pair.damage) == (GUID[ENDEKK], GUID[VID], 90.0, 120)
    assert (pair.a_name, pair.b_name) == ("endekk", "vid")  # names as the stats plugin cleans them

    trades = (await ask(kernel, "!trades")).data
    assert trades.trades == 2
    by = {p.guid: p for p in trades.players}
    assert (by[GUID[SQUAZE]].trade_kills, by[GUID[BRONZE]].trade_kills) == (1, 1)
    assert (by[GUID[ENDEKK]].deaths_traded, by[GUID[OLZ]].deaths_traded, by[GUID[SQUAZE]].deaths_traded) == (1, 1, 0)

    engagements = await ask(kernel, "!engagements")
    summary = engagements.data
    assert (summary.kills, summary.enemy_kills, summary.won) == (5, 5, 5)
    assert summary.third_party == 1  # endekk's hit on qmr, whom vid killed
    assert sorted(summary.distances_m) == [10.2, 10.2, 17.3, 25.4, 25.4]
    assert engagements.images and engagements.images[0].data[:8] == b"\x89PNG\r\n\x1a\n"
    vid = (await ask(kernel, "!engagements vid")).data
    assert (vid.engagements, vid.won, vid.lost) == (2, 2, 0)
    assert {(o.opponent_name, o.fights, o.won) for o in vid.opponents} == {("qmr", 1, 1), ("bronze.", 1, 1)}

    spawn = (await ask(kernel, "!spawn_timing")).data
    lines = {p.guid: p for p in spawn.players}
    expected = (played.waits["qmr"] / 20000 + played.waits["bronze"] / 20000) / 2
    assert lines[GUID[VID]].efficiency == pytest.approx(expected, abs=0.001)
    assert lines[GUID[VID]].denied_seconds == (played.waits["qmr"] + played.waits["bronze"]) / 1000
    assert lines[GUID[OLZ]].efficiency == pytest.approx(played.waits["endekk"] / 30000, abs=0.001)

    heat = await ask(kernel, "!heatmap supply")
    assert [i.filename for i in heat.images] == ["heatmap-supply-kills.png", "heatmap-supply-deaths.png",
                                                 "heatmap-supply-presence.png"]
    assert heat.data["totals"]["kills"] == "5" and heat.data["totals"]["deaths"] == "5"
    mine = await ask(kernel, "!heatmap supply vid")
    assert mine.data["totals"]["kills"] == "2" and mine.data["totals"]["deaths"] == "0"


async def test_players_sides_and_first_blood(make_kernel, played, shared_data) -> None:
    from slomix_proximity import queries
    from slomix_proximity.scope import Scope, round_ids

    kernel = await make_kernel(plugins={"stats", "proximity"})
    await only(kernel, played.file)
    await only(kernel, stats_file(shared_data, played.end_unix), "stats")
    pool = kernel.db.pool
    ids = await round_ids(pool, Scope())
    lines = {p.guid: p for p in await queries.player_lines(pool, ids)}
    assert lines[GUID[VID]].first_bloods == 1 and lines[GUID[VID]].kills == 2
    # vid killed qmr 3 against 3, and bronze alone against two (qmr was revived).
    assert (lines[GUID[VID]].kills_up, lines[GUID[VID]].kills_even, lines[GUID[VID]].kills_down) == (0, 1, 1)
    # olz killed endekk with qmr down: 2 Allies against 3 Axis.
    assert (lines[GUID[OLZ]].kills_up, lines[GUID[OLZ]].kills_even, lines[GUID[OLZ]].kills_down) == (0, 0, 1)
    assert lines[GUID[QMR]].cohesion_m is not None and lines[GUID[QMR]].deaths == 1
    sides = await queries.round_sides(pool, ids, "Europe/Paris")
    # The stats file says Axis won: first blood (vid, Axis) converted.
    assert (sides.first_blood_rounds, sides.first_blood_decided, sides.first_blood_converted) == (1, 1, 1)
    k = played.kills
    row = await pool.fetchrow("SELECT axis_up_ms, allies_up_ms, even_ms, duration_ms FROM proximity.rounds")
    revive = await pool.fetchval("SELECT t_ms FROM proximity.events WHERE kind = 'revive'")
    # 3v2 from qmr's death to endekk's, 2v1 from olz's death to qmr's revive; 1v2 from squAze's to bronze's.
    assert row["axis_up_ms"] == (k["endekk"] - k["qmr"]) + (revive - k["olz"]) == 2000
    assert row["allies_up_ms"] == k["bronze"] - k["squAze"] == 5000
    assert row["axis_up_ms"] + row["allies_up_ms"] + row["even_ms"] == row["duration_ms"]
    assert sides.up_ms == 7000


async def test_damaged_files_are_quarantined_with_their_bytes(make_kernel, played) -> None:
    kernel = await make_kernel(plugins={"stats", "proximity"})
    good = played.path.read_bytes()
    cut = IncomingFile(name=played.path.name, data=good[: len(good) // 2], source="test")
    outcome = await only(kernel, cut)
    assert outcome.status == "quarantined"
    assert outcome.detail.startswith(f"{played.path.name} line ") and "cut short" in outcome.detail
    lines = good.decode().split("\n")
    broken_line = next(i for i, line in enumerate(lines) if line.startswith("S\t")) + 5
    fields = lines[broken_line].split("\t")
    fields[3] = "12x"
    lines[broken_line] = "\t".join(fields)
    bad = IncomingFile(name=played.path.name.replace(".txt", "") + ".txt", data="\n".join(lines).encode(),
                       source="test")
    outcome = await only(kernel, bad)
    assert outcome.status == "quarantined"
    assert outcome.detail == f"{played.path.name} line {broken_line + 1}: x is '12x', not a whole number"
    stored = await kernel.db.pool.fetch("SELECT status, size, data FROM proximity.files ORDER BY id")
    assert [(r["status"], r["size"], unpack(r["data"])) for r in stored] == [
        ("quarantined", len(cut.data), cut.data), ("quarantined", len(bad.data), bad.data)]
    assert await kernel.db.pool.fetchval("SELECT count(*) FROM proximity.rounds") == 0
    # The good file still goes in afterwards.
    assert (await only(kernel, played.file)).status == "held"


async def test_a_rewritten_file_replaces_its_round(make_kernel, played) -> None:
    kernel = await make_kernel(plugins={"stats", "proximity"})
    await only(kernel, played.file)
    text = played.path.read_text().replace("the Depot Gate", "the Depot Gate!")
    outcome = await only(kernel, IncomingFile(name=played.path.name, data=text.encode(), source="test"))
    assert outcome.status == "held"
    statuses = [r["status"] for r in await kernel.db.pool.fetch("SELECT status FROM proximity.files ORDER BY id")]
    assert statuses == ["superseded", "imported"]
    assert await kernel.db.pool.fetchval("SELECT detail FROM proximity.events WHERE kind = 'dynamite_plant'") == \
        "the Depot Gate!"


def test_import_cli_reads_folders(tmp_path: Path, played: Played) -> None:
    from slomix_proximity.cli import summary

    result = summary(played.path)
    assert (result["kills"], result["revives"], result["crossfires"], result["trades"]) == (5, 1, 1, 2)


async def test_a_replaced_stats_round_takes_its_telemetry_along(make_kernel, played, shared_data) -> None:
    kernel = await make_kernel(plugins={"stats", "proximity"})
    stats = stats_file(shared_data, played.end_unix)
    await only(kernel, stats, "stats")
    await only(kernel, played.file)
    first = await kernel.db.pool.fetchval("SELECT stats_round_id FROM proximity.rounds")
    rewritten = IncomingFile(name=stats.name, data=stats.data.replace(b"only\\supply", b"only2\\supply", 1),
                             source="test")
    assert (await only(kernel, rewritten, "stats")).status == "updated"
    second = await kernel.db.pool.fetchval("SELECT id FROM stats.rounds")
    assert second != first
    assert await kernel.db.pool.fetchval("SELECT stats_round_id FROM proximity.rounds") == second


async def test_commands_answer_mistakes_politely(make_kernel, played) -> None:
    kernel = await make_kernel(plugins={"stats", "proximity"})
    await only(kernel, played.file)
    for line, says in (("!trades 1999-01-01", "no gaming session on 1999-01-01"),
                       ("!heatmap nowhere", "no telemetry for nowhere (maps: supply)"),
                       ("!engagements zzzz-nobody", "no player matches 'zzzz-nobody'")):
        reply = await kernel.commands.dispatch(kernel, line, CLI_ACTOR)
        assert reply.error and reply.title == "Usage" and says in reply.description, (line, reply.description)
    # Nothing linked to a session yet: the commands answer for every recorded round.
    assert (await ask(kernel, "!trades")).title == "Trades: all recorded rounds"

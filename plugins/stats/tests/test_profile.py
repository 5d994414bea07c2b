"""A player's profile (issue 14): ranks on the boards, rounds won and lost by map, form by session,
teammates won most with, the opponents of the endstats versus rows, and !stats linking the page.

Figures a player would check by hand, counted again from the stats files where the files say them
(the header's winner, each player's side) and from the boards and session pages otherwise."""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlsplit

import pytest

from slomix.kernel import Config, IncomingFile, Kernel
from slomix.testing import CLI_ACTOR
from slomix.testing.database import with_database
from slomix_stats.formats import parse_stats
from slomix_stats.queries import COUNTED, StatsQueries

pytestmark = pytest.mark.anyio

VID, ENDEKK, SQUAZE, OLZ, QMR = "D8423F90", "7B84BE88", "3C0354D3", "5D989160", "652EB4A6"


async def run(kernel, line):
    return await kernel.commands.dispatch(kernel, line, CLI_ACTOR)


async def counted_files(pool) -> set[str]:
    rows = await pool.fetch(f"SELECT f.name FROM stats.rounds r JOIN stats.files f ON f.id = r.file_id WHERE {COUNTED}")
    return {r["name"] for r in rows}


def results_from_files(stats_files, counted: set[str], guid: str, mate: str | None = None,
                       map_name: str | None = None) -> Counter:
    """Rounds won and lost by ``guid`` (with ``mate`` on the same side), straight from the files."""
    found: Counter = Counter()
    for path in stats_files:
        if path.name not in counted:
            continue
        parsed = parse_stats(path.read_bytes(), path.name)
        if map_name and parsed.map_name != map_name:
            continue
        sides = {p.guid: p.team for p in parsed.players}
        if guid not in sides or (mate and sides.get(mate) != sides[guid]):
            continue
        winner = parsed.header.winner
        found["rounds"] += 1
        # A player on neither side (a spectator's line) neither won nor lost.
        found["won" if sides[guid] == winner else "lost" if {winner, sides[guid]} <= {1, 2} else "unknown"] += 1
    return found


async def test_ranks_are_the_boards_places(history) -> None:
    q = StatsQueries(history.db.pool)
    ranks = {r.category: r for r in (await q.player(VID)).ranks}
    # vid leads the kills board of the real history and is second of the 12 regulars on DPM.
    assert (ranks["kills"].rank, ranks["kills"].of, ranks["kills"].display) == (1, 14, "1368")
    assert (ranks["dpm"].rank, ranks["dpm"].of, ranks["dpm"].display) == (2, 12, "309.3")
    assert (ranks["kd"].rank, ranks["kd"].of) == (3, 12)
    dpm = await q.leaderboard("dpm")
    assert dpm.rows[1].guid == VID and dpm.total == 12
    for rank in ranks.values():
        board = await q.leaderboard(rank.category, per_page=1000)
        assert rank.of == board.total, rank.category
        better = [row for row in board.rows
                  if (row.value < rank.value if rank.category == "teamwork" else row.value > rank.value)]
        assert rank.rank == len(better) + 1, rank.category
        assert any(row.guid == VID for row in board.rows), rank.category


async def test_rounds_won_and_lost_by_map_from_the_files(history, stats_files) -> None:
    detail = await StatsQueries(history.db.pool).player(VID)
    counted = await counted_files(history.db.pool)
    maps = {m.map: m for m in detail.maps}
    escape = results_from_files(stats_files, counted, VID, map_name="te_escape2")
    assert (maps["te_escape2"].wins, maps["te_escape2"].losses) == (escape["won"], escape["lost"]) == (18, 19)
    everything = results_from_files(stats_files, counted, VID)
    assert (detail.wins, detail.losses) == (everything["won"], everything["lost"]) == (69, 65)
    assert detail.totals.rounds == everything["rounds"] == 135  # one counted round is neither won nor lost
    assert detail.maps[0].map == "te_escape2"  # the favourite: most rounds


async def test_form_is_the_latest_sessions_as_their_pages_show_them(history) -> None:
    q = StatsQueries(history.db.pool)
    detail = await q.player(VID)
    assert detail.sessions_played == 12 and len(detail.sessions) == 10
    latest = detail.sessions[0]
    assert latest.start.isoformat() == "2025-10-23T21:28:52" and latest.number == 21
    assert (latest.rounds, latest.kills, latest.deaths, latest.wins, latest.losses) == (14, 120, 110, 6, 7)
    page = await q.session(latest.start)
    line = next(p for p in page.players if p.guid == VID)
    assert page.summary.number == latest.number
    assert (line.rounds, line.kills, line.deaths, line.dpm, line.kd) == (
        latest.rounds, latest.kills, latest.deaths, latest.dpm, latest.kd)
    assert [s.start for s in detail.sessions] == sorted((s.start for s in detail.sessions), reverse=True)


async def test_teammates_they_win_most_with(history, stats_files) -> None:
    q = StatsQueries(history.db.pool)
    detail = await q.player(VID)
    best = detail.teammates[0]
    # squAze:) played one session beside vid and won 20 of its 24 rounds.
    assert (best.guid, best.name, best.rounds, best.wins, best.losses) == (SQUAZE, "squAze:)", 24, 20, 4)
    counted = await counted_files(history.db.pool)
    endekk = next(m for m in detail.teammates if m.guid == ENDEKK)
    together = results_from_files(stats_files, counted, VID, mate=ENDEKK)
    assert (endekk.rounds, endekk.wins, endekk.losses) == (together["rounds"], together["won"], together["lost"])
    rates = [m.wins / max(m.wins + m.losses, 1) for m in detail.teammates]
    assert rates == sorted(rates, reverse=True) and all(m.rounds >= 10 for m in detail.teammates)
    # A chosen name (!setname) shows at once, though the teammates are only counted again with new rounds.
    await history.db.pool.execute("INSERT INTO stats.links (discord_id, guid, display_name) VALUES (1, $1, 'Squeeze')",
                                  SQUAZE)
    assert (await q.player(VID)).teammates[0].name == "Squeeze"


def endstats(subject: str, guid: str, rows: list[tuple[str, int, int]]) -> bytes:
    """An endstats file as the spec describes it (§3.2): versus rows under a VS_HEADER."""
    lines = ["Most damage given\tvid\t3214", f"VS_HEADER\t{subject}\t{guid + 'A' * 24}"]
    return ("\n".join(lines + [f"{name}\t{kills}\t{deaths}" for name, kills, deaths in rows]) + "\n").encode()


async def test_opponents_from_the_endstats_versus_rows(history, shared_data) -> None:
    q = StatsQueries(history.db.pool)
    assert "writes no endstats" in (await q.player(VID)).versus_note
    # The real endstats file is of the older kind (no VS_HEADER), as if of a real te_escape2 round.
    old = next((shared_data / "endstats").glob("*.txt")).read_bytes()
    await history.ingest(IncomingFile(name="2025-10-23-224121-te_escape2-round-2-endstats.txt", data=old,
                                      source="test"))
    assert "older kind" in (await q.player(VID)).versus_note
    await history.ingest(IncomingFile(name="2025-10-23-232951-etl_frostbite-round-2-endstats.txt", source="test",
                                      data=endstats("vid", VID, [(".olz", 6, 1), ("qmr", 2, 5), ("bronze.", 3, 3)])))
    await history.ingest(IncomingFile(name="2025-10-23-232009-sw_goldrush_te-round-2-endstats.txt", source="test",
                                      data=endstats("vid", VID, [("qmr", 1, 3), (".olz", 1, 0)])))
    detail = await q.player(VID)
    assert detail.versus_note is None
    # qmr killed vid 5 + 3 times; vid killed .olz 6 + 1 times.
    top = detail.killed_by[0]
    assert (top.guid, top.name, top.deaths, top.kills, top.rounds) == (QMR, "qmr", 8, 3, 2)
    victim = detail.killed[0]
    assert (victim.guid, victim.name, victim.kills, victim.deaths) == (OLZ, ".olz", 7, 1)


async def test_stats_places_the_player_and_links_nowhere_without_a_public_address(history) -> None:
    reply = await run(history, "!stats vid")
    fields = {f.name: f.value for f in reply.fields}
    assert fields["Ranks"].startswith("#1 of 14 kills · #3 of 12 K/D · #2 of 12 DPM")
    assert fields["Won–lost"] == "69–65 (51 %) rounds"
    assert fields["Favourite maps"].splitlines()[0] == "te_escape2 18–19 (49 %)"
    assert fields["Form, last 5 sessions"].splitlines()[0] == "#21 10-23: 310 DPM, K/D 1.09, 6–7"
    assert fields["Wins most with"] == "squAze:): 20–4 (83 %) in 24 rounds"
    assert "12 sessions" in reply.description
    assert reply.url is None  # no public address configured: no localhost link either


@pytest.fixture
async def public_site(imported_template, slomix_templates, tmp_path):
    """The real history with the HTTP adapter's public address set."""
    import asyncpg

    source = urlsplit(imported_template).path.lstrip("/")
    name = f"{source}_public_{abs(hash(tmp_path)) % 10**8}"
    admin = await asyncpg.connect(slomix_templates.admin_url)
    await admin.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    await admin.close()
    kernel = Kernel(Config({"slomix": {"data_dir": str(tmp_path)},
                            "adapters": {"http": {"public_url": "https://stats.example.org"}}}),
                    only={"stats", "core", "http"})
    kernel.load()
    kernel.db.url = with_database(slomix_templates.admin_url, name)
    async with kernel:
        yield kernel
    await slomix_templates.drop(kernel.db.url)


async def test_stats_links_the_web_profile(public_site) -> None:
    # The public address is the HTTP adapter's (on_public_url): the stats-only tox env lacks it.
    pytest.importorskip("slomix_http")
    reply = await run(public_site, "!stats vid")
    assert reply.url == f"https://stats.example.org/players/{VID}"


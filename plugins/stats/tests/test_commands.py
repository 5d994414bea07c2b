"""Stats commands answer with the numbers the files imply (computed here independently from them)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from itertools import pairwise

import pytest

from slomix.kernel import Actor
from slomix.testing import CLI_ACTOR
from slomix_stats.formats import find_r1, parse_stats, r2_differential

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def expected(stats_files):
    """Per counted round, the values a player should be credited with — straight from the files."""
    names = [p.name for p in stats_files]
    parsed = {p.name: parse_stats(p.read_bytes(), p.name) for p in stats_files}
    counted = {}
    for name, stats in parsed.items():
        if stats.round_number == 2:
            r1 = find_r1(name, names)
            if r1 is None:
                continue  # orphan R2: not counted
            stats = r2_differential(parsed[r1], stats)
        if stats.players and not any(p.is_bot for p in stats.players):
            counted[name] = stats
    return counted


def totals(expected, guid):
    t = defaultdict(int)
    for stats in expected.values():
        for p in stats.players:
            if p.guid == guid:
                t["rounds"] += 1
                for field in ("kills", "deaths", "damage_given", "time_played_seconds", "headshots",
                              "headshot_kills", "revives_given", "gibs"):
                    t[field] += getattr(p, field) or 0
                t["hits"] += sum(w.hits for w in p.weapons.values())
                t["shots"] += sum(w.shots for w in p.weapons.values())
    return t


async def run(kernel, line, actor=CLI_ACTOR):
    return await kernel.commands.dispatch(kernel, line, actor)


async def test_stats_card_matches_the_files(history, expected) -> None:
    reply = await run(history, "!stats vid")
    t = totals(expected, "D8423F90")
    card = reply.data
    assert card.guid == "D8423F90" and card.name == "vid"
    assert (card.rounds, card.kills, card.deaths) == (t["rounds"], t["kills"], t["deaths"])
    assert card.damage_given == t["damage_given"]
    assert card.dpm == pytest.approx(t["damage_given"] * 60 / t["time_played_seconds"], abs=0.05)
    assert card.accuracy == pytest.approx(t["hits"] * 100 / t["shots"], abs=0.05)
    # Head hits and headshot kills stay apart.
    assert card.headshots == t["headshots"] and card.headshot_kills == t["headshot_kills"]
    assert card.headshot_accuracy == pytest.approx(t["headshots"] * 100 / t["hits"], abs=0.05)
    fields = {f.name: f.value for f in reply.fields}
    assert fields["Kills / deaths"] == f"{t['kills']} / {t['deaths']} (K/D {t['kills'] / t['deaths']:.2f})"
    # The same player by GUID prefix, and by a case-insensitive partial name.
    assert (await run(history, "!stats d8423f90")).data.guid == "D8423F90"


async def test_ambiguous_and_unknown_players(history) -> None:
    reply = await run(history, "!stats s")
    assert reply.error and "matches" in reply.description and "!select" in reply.description
    picked = await run(history, "!select 1")
    assert picked.title.startswith("Selected ")
    missing = await run(history, "!stats nobody-like-this")
    assert missing.error and "no player matches" in missing.description


async def test_leaderboard_kills(history, expected) -> None:
    guids = {p.guid for s in expected.values() for p in s.players}
    board = sorted(((totals(expected, g)["kills"], g) for g in guids if totals(expected, g)["rounds"] > 10),
                   key=lambda x: (-x[0], -totals(expected, x[1])["rounds"], x[1]))
    reply = await run(history, "!lb kills")
    rows = reply.data.rows
    assert [(int(r.value), r.guid) for r in rows] == board[:10]
    assert reply.images and reply.images[0].data.startswith(b"\x89PNG")
    assert reply.data.total == len(board)
    if len(board) > 10:
        assert reply.pages[0].data.rows[0].rank == 11
    # Aliases and paging.
    assert (await run(history, "!top k 2")).data.page == min(2, reply.data.pages)
    assert (await run(history, "!lb nonsense")).error


async def test_every_leaderboard_category_answers(history) -> None:
    from slomix_stats.queries import CATEGORIES

    for cat in CATEGORIES:
        reply = await run(history, f"!lb {cat.aliases[0] if cat.aliases else cat.name}")
        assert not reply.error, cat.name
        values = [r.value for r in reply.data.rows]
        assert values == sorted(values, reverse=not cat.ascending)


async def test_last_session_matches_the_gap_rule(history, expected, stats_files) -> None:
    times = sorted(datetime.strptime(p.name[:17], "%Y-%m-%d-%H%M%S") for p in stats_files)
    starts = [times[0]] + [b for a, b in pairwise(times) if (b - a).total_seconds() > 3600]
    last = starts[-1]
    in_session = {n: s for n, s in expected.items() if datetime.strptime(n[:17], "%Y-%m-%d-%H%M%S") >= last}
    per_player = defaultdict(lambda: [0, 0, 0])
    for stats in in_session.values():
        for p in stats.players:
            per_player[p.guid][0] += p.kills
            per_player[p.guid][1] += p.damage_given
            per_player[p.guid][2] += p.time_played_seconds
    reply = await run(history, "!last_session")
    detail = reply.data
    # A session is one with a counted round: lone orphan R2s and files without players are none
    # (issue 14.11), so they take no number either.
    counted_times = [datetime.strptime(n[:17], "%Y-%m-%d-%H%M%S") for n in expected]
    real = [s for s, e in zip(starts, [*starts[1:], datetime.max], strict=True)
            if any(s <= t < e for t in counted_times)]
    assert len(real) == 21 < len(starts) == 30
    assert detail.summary.start == last and detail.summary.number == len(real)
    assert detail.summary.counted_rounds == len(in_session)
    got = {p.guid: (p.kills, p.damage_given, p.seconds) for p in detail.players}
    assert got == {g: tuple(v) for g, v in per_player.items()}
    # Aggregate DPM is weighted, not an average of round DPMs.
    for p in detail.players:
        _, damage, seconds = per_player[p.guid]
        assert p.dpm == pytest.approx(damage * 60 / seconds, abs=0.05)


@pytest.mark.parametrize("view", ["obj", "combat", "weapons", "support", "sprees", "time", "top", "maps"])
async def test_last_session_views(history, view) -> None:
    reply = await run(history, f"!last {view}")
    assert not reply.error and (reply.tables or reply.fields)


async def test_session_graphs_and_compare_are_pictures(history) -> None:
    graphs = await run(history, "!last_session graphs")
    assert graphs.images[0].data.startswith(b"\x89PNG") and len(graphs.images[0].data) > 10_000
    compare = await run(history, "!compare vid carniee")
    assert compare.images[0].data.startswith(b"\x89PNG")
    a, b = compare.data
    assert (a.name, b.name) == ("vid", "carniee")
    assert compare.tables[0].rows[0] == ["K/D", f"{a.kd:.2f}", f"{b.kd:.2f}"]


async def test_session_by_date_and_session_list(history) -> None:
    reply = await run(history, "!session 2025-10-14")
    assert reply.data.summary.start.date().isoformat() == "2025-10-14"
    assert (await run(history, "!session 2025-13-01")).error
    listing = await run(history, "!rounds 2025-10")
    assert listing.data and all(s.start.strftime("%Y-%m") == "2025-10" for s in listing.data)


async def test_a_chosen_name_shows_at_once_in_a_session_read_before(history) -> None:
    """A session's figures are kept until the rounds change; the names on it are not."""
    before = (await run(history, "!session 2025-10-14")).data
    vid = next(p for p in before.players if p.guid == "D8423F90")
    assert vid.name == "vid"
    await history.db.pool.execute(
        "INSERT INTO stats.links (discord_id, guid, display_name) VALUES (7, 'D8423F90', 'Vidar')")
    after = (await run(history, "!session 2025-10-14")).data
    renamed = next(p for p in after.players if p.guid == "D8423F90")
    assert (renamed.name, renamed.kills, renamed.rounds) == ("Vidar", vid.kills, vid.rounds)


async def test_analytics_and_achievements(history) -> None:
    for line in ("!consistency vid", "!map_stats vid", "!playstyle vid", "!fatigue vid", "!awards",
                 "!season_info", "!achievements vid", "!check_achievements vid", "!badges vid", "!last_round"):
        reply = await run(history, line)
        assert not reply.error, (line, reply.description)
    kills = (await run(history, "!stats vid")).data.kills
    achieved = {r["label"] for r in (await run(history, "!achievements vid")).data}
    assert ("1,000 kills" in achieved) is (kills >= 1000) and ("100 kills" in achieved) is (kills >= 100)


async def test_each_milestone_is_dated_by_the_round_that_crossed_it(history) -> None:
    """The ledger (built in SQL from crossings) against a walk of every player's rounds in Python
    with the same ladder: the same milestones, each dated by the same round."""
    from slomix_stats.achievements import milestones, update
    from slomix_stats.queries import COUNTED

    pool = history.db.pool
    await pool.execute("DELETE FROM stats.achievements")
    await update(pool)
    rows = await pool.fetch(f"""SELECT p.guid, r.id, r.round_time, p.kills, p.deaths
                                FROM stats.player_rounds p JOIN stats.rounds r ON r.id = p.round_id
                                WHERE {COUNTED} AND NOT p.is_bot ORDER BY p.guid, r.round_time, r.id""")
    expected, running = {}, {}
    for row in rows:
        kills, deaths, rounds = running.get(row["guid"], (0, 0, 0))
        running[row["guid"]] = kills, deaths, rounds = kills + row["kills"], deaths + row["deaths"], rounds + 1
        for milestone in milestones(kills, deaths, rounds):
            expected.setdefault((row["guid"], milestone.key), row["id"])
    ledger = {(r["guid"], r["achievement"]): r["round_id"]
              for r in await pool.fetch("SELECT guid, achievement, round_id FROM stats.achievements")}
    assert len(ledger) > 50 and ledger == expected
    assert ledger[("D8423F90", "kills_100")] == expected[("D8423F90", "kills_100")]


async def test_linking_accounts(history) -> None:
    alice = Actor(id="discord:111", name="alice", adapter="discord")
    bob = Actor(id="discord:222", name="bob", adapter="discord")
    assert (await run(history, "!stats", alice)).error  # not linked yet
    assert (await run(history, "!link vid", alice)).title == "Linked"
    assert (await run(history, "!stats", alice)).data.guid == "D8423F90"
    assert (await run(history, "!stats <@111>", bob)).data.guid == "D8423F90"
    taken = await run(history, "!link vid", bob)
    assert taken.error and "already linked" in taken.description
    assert "vid" in (await run(history, "!whoami", alice)).description
    assert (await run(history, "!unlink", alice)).title == "Unlinked"
    assert (await run(history, "!link vid", CLI_ACTOR)).error  # no Discord account to link


async def test_admin_only_command_is_refused_politely(history) -> None:
    user = Actor(id="discord:333", name="eve", adapter="discord")
    refused = await run(history, "!cache_clear", user)
    assert refused.error and "needs the admin tier" in refused.description
    assert not (await run(history, "!cache_clear")).error

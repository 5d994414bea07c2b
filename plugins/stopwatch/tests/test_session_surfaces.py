"""The stats plugin's session surfaces lead with the stopwatch's matches (``on_session_matches``):
two evenings on one day (2025-10-17) and a 4v4 evening (2025-10-23), real files."""

from __future__ import annotations

from datetime import datetime
from importlib.util import find_spec

import pytest

from slomix_stats.api import SessionMatch

pytestmark = pytest.mark.anyio

EVENINGS = ("2025-10-17-*.txt", "2025-10-23-*.txt")
# The pages need the HTTP adapter; where only the plugins are installed the commands are still tested.
WEB = {"http"} if find_spec("slomix_http") else set()


@pytest.fixture
async def kernel(make_kernel, stats_dir, feed):
    kernel = await make_kernel(plugins={"stats", "stopwatch", *WEB})
    await feed(kernel, sorted(p for pattern in EVENINGS for p in stats_dir.glob(pattern)))
    return kernel


EVENING = datetime(2025, 10, 23, 21, 28, 52)


async def test_hook_on_session_matches(kernel, make_kernel, ask) -> None:
    nothing_there = datetime(2025, 10, 23, 21, 0)
    found = await kernel.first("on_session_matches", session_starts=[EVENING, nothing_there])
    assert list(found) == [EVENING]  # a session nobody scored is left out
    [match] = found[EVENING]
    assert isinstance(match, SessionMatch)
    assert (match.score, match.winner, match.format, match.number, match.of) == ("12\u20136", 1, "4v4", 1, 1)
    a, b = match.teams
    assert (a.name, a.points, a.maps_won, b.name, b.points, b.maps_won) == ("S*F", 12, 6, "allbad", 6, 3)
    assert sorted(a.players) == ["SmetarskiProner", "SuperBoyy", "endekk", "vid"]
    assert sorted(b.players) == [".olz", "bronze.", "carniee", "qmr"]
    first = match.maps[0]
    assert (first.map_name, first.r1_attacker, first.r1_seconds, first.r2_seconds, first.points) == (
        "etl_adlernest", 1, 307, 305, (2, 0))  # allbad set 5:07, S*F beat it by two seconds
    starts = [s.start for s in (await ask(kernel, "!rounds")).data]
    every = await kernel.first("on_session_matches", session_starts=starts)
    assert sorted(every) == sorted(starts) and len(starts) == 3  # both evenings of 2025-10-17 too, in one ask
    assert [m.score for s in sorted(every) for m in every[s]] == ["2\u20132", "2\u20132", "12\u20136"]
    assert await kernel.first("on_session_matches", session_starts=[nothing_there]) == {}
    alone = await make_kernel(plugins={"stats"})  # no scorer: nobody answers
    assert await alone.first("on_session_matches", session_starts=[EVENING]) is None


async def test_last_session_leads_with_the_teams_the_maps_the_winner_and_the_mvp(kernel, ask) -> None:
    reply = await ask(kernel, "!last_session")
    assert reply.title == "Session #3 — 2025-10-23 21:28–23:29"
    assert reply.description.split("\n") == [
        "S*F 12\u20136 allbad — S*F win · 4v4",
        "S*F: endekk, SmetarskiProner, SuperBoyy, vid",
        "allbad: .olz, bronze., carniee, qmr",
        "",
        "MVP: bronze. — 326.3 DPM, K/D 1.24",
        "18 counted of 18 rounds · 7 maps · 8 players"]
    maps, team_a, team_b = reply.tables
    assert maps.title == "S*F 12\u20136 allbad by map" and maps.columns == ["map", "S*F", "allbad", "R1", "R2"]
    assert maps.rows[:2] == [["etl_adlernest", 2, 0, "5:07", "5:05"], ["supply", 0, 2, "held", "8:52"]]
    assert len(maps.rows) == 9
    assert (team_a.title, [r[0] for r in team_a.rows]) == ("S*F", ["vid", "SmetarskiProner", "SuperBoyy", "endekk"])
    assert (team_b.title, [r[0] for r in team_b.rows]) == ("allbad", ["carniee", "bronze.", ".olz", "qmr"])
    [match] = (await kernel.first("on_session_matches", session_starts=[reply.data.summary.start]))[EVENING]
    assert reply.colour == (match.teams[0].colour or 0xF0A030)  # the winner's colour
    # Pinned to this session by its number: pressed after the next evening, they still show this one.
    assert [(a.label, a.command) for a in reply.actions][:2] == [("obj", "session 3 obj"),
                                                                 ("combat", "session 3 combat")]
    combat = await ask(kernel, "!last_session combat")
    assert [t.title for t in combat.tables] == ["S*F", "allbad"]
    assert combat.description == reply.description
    assert "summary" in [a.label for a in combat.actions] and "combat" not in [a.label for a in combat.actions]


async def test_both_sessions_of_one_day_are_reachable(kernel, ask) -> None:
    by_date = await ask(kernel, "!session 2025-10-17")
    assert by_date.title == "Session #2 — 2025-10-17 22:51–23:26"
    assert by_date.description.startswith("oG 2\u20132 sWat — a draw · 3v3\n")
    assert by_date.footer.startswith("also on 2025-10-17: #1 (!session 1)")
    assert by_date.actions[0].command == "session 2 obj"
    first = await ask(kernel, "!session 1")
    assert first.title == "Session #1 — 2025-10-17 20:21–21:13"
    assert first.description.startswith("oG 2\u20132 puran — a draw")
    assert (await ask(kernel, "!session #2")).title == by_date.title
    listing = await ask(kernel, "!rounds")
    assert [row[:4] for row in listing.tables[0].rows] == [
        [3, "2025-10-23", "21:28–23:29", "S*F 12\u20136 allbad"], [2, "2025-10-17", "22:51–23:26", "oG 2\u20132 sWat"],
        [1, "2025-10-17", "20:21–21:13", "oG 2\u20132 puran"]]


async def test_pages_lead_with_the_match_and_group_the_players_by_team(kernel, http_client) -> None:
    if not WEB:
        pytest.skip("the HTTP adapter is not installed")
    client = await http_client(kernel)
    page = (await client.get("/sessions/2025-10-23T21:28:52")).text
    match = page[page.index('<section class="match">'):]
    assert match.index("S*F") < match.index("12\u20136") < match.index("allbad")
    assert "<strong>S*F win</strong> · 4v4" in match
    assert "etl_adlernest" in match and ">5:07</a>" in match and ">5:05</a>" in match
    players = page[page.index("<h2>Players</h2>"):page.index("<h2>Charts</h2>")]
    heads = players.split('<h3 class="team-table">')[1:]
    assert len(heads) == 2 and "S*F" in heads[0] and "allbad" in heads[1]
    assert "SmetarskiProner" in heads[0] and "bronze." in heads[1] and "bronze." not in heads[0]
    assert page.index('<section class="match">') < page.index(">MVP<") < page.index("<h2>Players</h2>")
    listing = (await client.get("/sessions")).text
    assert "12\u20136" in listing and "2\u20132" in listing
    home = (await client.get("/")).text
    assert home.index("Latest session") < home.index('<section class="match">') < home.index(">MVP<")


async def test_a_round_page_names_the_team_on_each_side_and_the_maps_points(kernel, http_client) -> None:
    if not WEB:
        pytest.skip("the HTTP adapter is not installed")
    [match] = (await kernel.first("on_session_matches", session_starts=[EVENING]))[EVENING]
    client = await http_client(kernel)
    page = (await client.get(f"/rounds/{match.maps[0].r2_round_id}")).text  # etl_adlernest R2
    assert "to beat: 5:07" in page and "Beaten" in page
    assert "both completed, R2 faster (5:05 vs 5:07)" in page  # the map result card
    axis, allies = page.index('<h2><span class="team-1">Axis'), page.index('<h2><span class="team-2">Allies')
    assert "allbad</strong> <small>(defence)" in page[axis:allies]  # allbad defended R2 on Axis
    assert "S*F</strong> <small>(attack)" in page[allies:]
    assert page.index("bronze.", axis) < allies < page.index("SmetarskiProner", allies)

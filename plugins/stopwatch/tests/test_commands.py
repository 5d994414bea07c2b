"""The Team commands through the command registry, as `slomix cmd` runs them."""

from __future__ import annotations

import msgspec
import pytest

from slomix.kernel import Actor, Config, Kernel, Tier

pytestmark = pytest.mark.anyio

USER = Actor(id="discord:42", name="someone", adapter="discord")
TWO_EVENINGS = "2025-10-1[45]-*.txt"


@pytest.fixture
async def kernel(make_kernel, stats_dir, feed):
    kernel = await make_kernel(plugins={"stats", "stopwatch"})
    await feed(kernel, sorted(stats_dir.glob(TWO_EVENINGS)))
    return kernel


@pytest.mark.parametrize("enabled", [True, False])
def test_switch(enabled) -> None:
    config = Config({"plugins": {"stopwatch": {"enabled": enabled}}})
    kernel = Kernel(config, only={"stats", "stopwatch"}).load()
    assert (kernel.pm.get_plugin("stopwatch") is not None) is enabled
    assert (kernel.commands.get("session_score") is not None) is enabled


def test_needs_the_stats_plugin() -> None:
    kernel = Kernel(Config({}), only={"stopwatch"}).load()
    info = kernel.plugin("stopwatch")
    assert (info.status, info.version) == ("failed", "0.1.0") and info.error == "requires plugin(s) stats, not enabled"
    assert kernel.commands.get("teams") is None


def test_commands_are_registered_with_help_and_tiers() -> None:
    kernel = Kernel(Config({}), only={"stats", "stopwatch"}).load()
    commands = {c.name: c for c in kernel.commands.commands.values() if c.plugin == "stopwatch"}
    admin = {"add_team", "set_teams", "assign_player", "set_team_names", "assign_teams"}
    public = {"teams", "session_score", "lineup_changes", "team_record", "head_to_head", "team_pool"}
    assert set(commands) == admin | public
    assert {n for n, c in commands.items() if c.tier == Tier.ADMIN} == admin
    assert all(c.help for c in commands.values())
    assert kernel.commands.get("h2h").name == "head_to_head"
    assert commands["set_team_names"].usage == "!set_team_names <date> <team_a> <team_b>"
    assert [r.path for r in kernel.routes if r.plugin == "stopwatch"] == [
        "/api/stopwatch/sessions/{date}/score", "/api/stopwatch/sessions/{date}/matches",
        "/api/stopwatch/sessions/{date}/teams"]
    # No page of its own: the dashboard's session page shows the matches it answers on_session_matches with.
    assert all(r.kind != "page" for r in kernel.routes if r.plugin == "stopwatch")


async def test_teams_and_score_default_to_the_latest_session(kernel, ask) -> None:
    teams = await ask(kernel, "!teams")
    assert teams.data.session_start.isoformat() == "2025-10-15T21:44:44"
    assert teams.title == "Teams — session 2025-10-15 21:44"
    assert [f.name for f in teams.fields] == [f"{t.name} (4)" for t in teams.data.teams]
    assert teams.fields[0].value == ", ".join(teams.data.teams[0].players)
    score = await ask(kernel, "!session_score latest")
    assert score.data.session_start == teams.data.session_start
    assert score.tables[0].columns == ["#", "Map", "R1 attack", "R2 attack", score.data.team_a.name,
                                       score.data.team_b.name, "Result"]
    assert len(score.tables[0].rows) == 7


async def test_session_score_of_a_date(kernel, ask) -> None:
    reply = await ask(kernel, "!session_score 2025-10-14")
    a, b = reply.data.team_a, reply.data.team_b
    assert reply.title == f"{a.name} 0\u201324 {b.name}"
    assert reply.description == f"Session 2025-10-14 21:22 \u2192 23:56 \u00b7 4v4 \u00b7 12 maps: {b.name} win"
    assert (a.maps_won, b.maps_won, reply.data.winner) == (0, 12, 2)
    first = reply.tables[0].rows[0]
    assert first == [1, "etl_adlernest", f"{b.name} \u2714 2:18", f"{a.name} \u2718 held", 0, 2,
                     "R1 completed in 2:18, R2 held"]
    # What HTTP and the CLI's JSON output carry.
    encoded = msgspec.json.decode(reply.to_json())
    assert encoded["data"]["score"] == "0\u201324" and len(encoded["data"]["maps"]) == 12


async def test_lineup_changes(kernel, ask) -> None:
    reply = await ask(kernel, "!lineup_changes")  # latest against the one before
    explicit = await ask(kernel, "!lineup_changes 2025-10-15 2025-10-14")
    assert reply.fields == explicit.fields and reply.title == "Lineup changes 2025-10-14 21:22 \u2192 2025-10-15 21:44"
    now = (await ask(kernel, "!teams 2025-10-15")).data.teams
    then = (await ask(kernel, "!teams 2025-10-14")).data.teams
    for field, team in zip(reply.fields, now, strict=True):
        match = max(then, key=lambda t: len(set(t.guids) & set(team.guids)))
        joined = sorted(set(team.players) - set(match.players))
        assert field.name == f"{team.name} (was {match.name})"
        assert field.value.startswith(f"+ {', '.join(joined)}")
    first = await ask(kernel, "!lineup_changes 2025-10-14")
    assert first.error and first.description == "no session before 2025-10-14 21:22"


async def test_team_record_and_head_to_head(kernel, ask) -> None:
    day14 = (await ask(kernel, "!session_score 2025-10-14")).data
    day15 = (await ask(kernel, "!session_score 2025-10-15")).data
    name = day14.team_a.name
    assert name == day15.team_a.name  # both evenings drew this name for their team A
    record = await ask(kernel, f"!team_record {name} 0")
    assert record.title == f"{name}: 1W 1L 0D"
    assert [row[2] for row in record.tables[0].rows] == ["8\u20136", "0\u201324"]
    # 90 days back from the newest round (2025-10-15), not from the wall clock (issue 14.8).
    assert (await ask(kernel, f"!team_record {name.upper()}")).title == f"{name.upper()}: 1W 1L 0D"
    h2h = await ask(kernel, f"!h2h {day14.team_b.name} {name}")
    assert h2h.title == f"{day14.team_b.name} 1\u20130 {name}"
    assert h2h.tables[0].rows == [["2025-10-14 21:22", "24\u20130", 12]]


async def test_team_pool_and_add_team(kernel, ask) -> None:
    pool = await ask(kernel, "!team_pool")
    assert [row[0] for row in pool.tables[0].rows] == ["allbad", "insAne", "madDogz", "puran", "S*F", "slomix",
                                                       "sWat"]
    added = await ask(kernel, "!add_team Wolves #ff8800")
    assert added.title == "Wolves added to the team pool" and added.colour == 0xFF8800
    again = await ask(kernel, "!add_team wolves 00ff00")
    assert again.title == "wolves updated in the team pool"
    rows = {row[0]: row for row in (await ask(kernel, "!team_pool")).tables[0].rows}
    assert rows["Wolves"][1] == "#00ff00"
    bad = await ask(kernel, "!add_team Wolves orange")
    assert bad.error and "six hex digits" in bad.description


async def test_set_teams_assign_player_names_and_reset(kernel, ask) -> None:
    before = (await ask(kernel, "!teams 2025-10-14")).data
    a_players, b_players = before.teams[0].players, before.teams[1].players
    # Rosters the other way round from detection, with names.
    reply = await ask(kernel, f'!set_teams "Red: {", ".join(b_players)}" "Blue: {", ".join(a_players)}" 2025-10-14')
    assert not reply.error, reply.description
    teams = reply.data.teams
    assert [(t.name, t.players, t.manual_name) for t in teams] == [("Red", b_players, True),
                                                                   ("Blue", a_players, True)]
    assert reply.footer == "* placed by an admin" and all(p.endswith("*") for p in reply.fields[0].value.split(", "))
    score = (await ask(kernel, "!session_score 2025-10-14")).data
    assert (score.team_a.name, score.score) == ("Red", "24\u20130")
    # One player moves, by name and team name.
    mover = a_players[0]
    moved = await ask(kernel, f"!assign_player {mover} red 2025-10-14")
    assert moved.title == f"{mover} plays for Red \u2014 session 2025-10-14 21:22"
    assert mover in moved.data.teams[0].players and moved.data.format == "5v3"
    renamed = await ask(kernel, "!set_team_names 2025-10-14 Wolves Bears")
    assert [t.name for t in renamed.data.teams] == ["Wolves", "Bears"]
    assert (await ask(kernel, "!session_score 2025-10-14")).data.team_b.name == "Bears"
    # assign_teams forgets every override: detection and the pool's names again.
    reset = await ask(kernel, "!assign_teams 2025-10-14")
    assert [(t.name, t.players, t.manual_name) for t in reset.data.teams] == \
        [(t.name, t.players, False) for t in before.teams]
    assert reset.data.pinned == {}


async def test_admin_commands_need_the_admin_tier(kernel, ask) -> None:
    for line in ("!add_team X", "!set_teams A B", "!assign_player vid A", "!set_team_names latest A B",
                 "!assign_teams"):
        reply = await ask(kernel, line, USER)
        assert reply.error and reply.title == "Not allowed", line
    assert not (await ask(kernel, "!teams", USER)).error


BAD_INPUT = [
    ("!session_score 2025-13-40", "'2025-13-40' is not a session"),
    ("!session_score yesterday", "is not a session: give a date (YYYY-MM-DD)"),
    ("!teams 2024-01-01", "no gaming session on 2024-01-01"),
    ("!assign_player nobody A 2025-10-14", "nobody called 'nobody' played in this session"),
    ("!assign_player vid Wolves 2025-10-14", "no team 'Wolves' in this session"),
    ("!set_team_names 2025-10-14 Same same", "the two teams need different names"),
    ("!set_teams 'Red:' Blue", "no players after ':'"),
    ("!head_to_head sWat sWat", "name two different teams"),
    ("!h2h sWat Nobody", "sWat and Nobody have not met"),
    ("!team_record Nobody 0", "no scored session for a team called 'Nobody' yet"),
    ("!team_record sWat -1", "days must be 0 (all time) or more"),
]


async def test_bad_input_gets_a_clear_answer(kernel, ask) -> None:
    for line, message in BAD_INPUT:
        reply = await ask(kernel, line)
        assert reply.error and message in reply.description, (line, reply.description)
        assert reply.title in ("Usage", "Not found"), line


async def test_usage_errors_before_the_handler() -> None:
    from slomix.kernel import UsageError
    from slomix.testing import CLI_ACTOR

    kernel = Kernel(Config({}), only={"stats", "stopwatch"}).load()
    with pytest.raises(UsageError, match="missing team"):
        await kernel.commands.dispatch(kernel, "!team_record", CLI_ACTOR)
    with pytest.raises(UsageError, match="days must be a whole number"):
        await kernel.commands.dispatch(kernel, "!team_record sWat lots", CLI_ACTOR)


async def test_an_empty_history_has_no_session(make_kernel, ask) -> None:
    kernel = await make_kernel(plugins={"stats", "stopwatch"})
    reply = await ask(kernel, "!session_score")
    assert reply.error and reply.description == "no gaming session yet"


async def test_session_dates_complete_while_typing(kernel) -> None:
    date = kernel.commands.get("teams").args[0]
    assert await date.complete(kernel, "2025-10-1") == ["2025-10-15", "2025-10-14"]
    assert await date.complete(kernel, "2024") == []


async def test_health_tells_how_many_sessions_are_scored(kernel) -> None:
    [entry] = [p for p in (await kernel.health())["plugins"] if p["name"] == "stopwatch"]
    assert entry["detail"] == {"scored_sessions": 2, "latest_session": "2025-10-15T21:44:44"}

"""A stats round recorded both by the tracker (the scripted match under the fake ``et``) and by a demo of
the same round: stored side by side, the analyses use the tracker's, and the cross-check says whether
they agree (and where not). The demo is made from the tracker's own round, its clock starting 1 s into
the round (a demo begun mid-round), its players named without GUIDs as the stats plugin names them."""

from __future__ import annotations

import msgspec
import pytest
from proximity_match import QMR, ROSTER, stats_file

from slomix.testing import CLI_ACTOR
from slomix_greatshot import api as demos
from slomix_proximity import crosscheck, demotracks, store
from slomix_proximity.analytics import derive
from slomix_proximity.demoingest import _known_names, store_rounds
from slomix_proximity.fileformat import parse_file
from slomix_proximity.ingest import Linking
from slomix_proximity.telemetry import RoundTelemetry

pytestmark = pytest.mark.anyio

LEVEL = 50_000  # server time of the round's start
LATE = 1_000    # the demo starts this long into the round
NAMES = ["vid", "endekk", "squAze:)", "qmr", ".olz", "bronze."]  # as the stats plugin shows them
TEAMS = {1: "axis", 2: "allies"}


def demo_of(lua: RoundTelemetry, *, drop_kill: int | None = None, shift: tuple[int, float] = (-1, 0.0)) -> demos.Demo:
    """The demo an ETTV recorder would have written of the tracker's round (``drop_kill``: an obituary it
    missed; ``shift``: a client whose positions it has ``shift[1]`` units off along x)."""
    slot = {p.guid[:8]: i for i, p in enumerate(ROSTER)}
    start = LEVEL + LATE
    positions = [demos.Position(LEVEL + int(t), slot[track.guid], TEAMS[track.team],
                                float(x) + (shift[1] if slot[track.guid] == shift[0] else 0.0), float(y), float(z),
                                0.0, 0.0)
                 for track in lua.tracks for t, x, y, z in zip(track.t, track.x, track.y, track.z, strict=True)
                 if LEVEL + t >= start]
    kills = [demos.Kill(LEVEL + k.t, slot[k.killer], slot[k.victim], NAMES[slot[k.killer]], NAMES[slot[k.victim]],
                        "mp40", "mp40", False, TEAMS[k.killer_team], TEAMS[k.victim_team],
                        (k.killer_at.x, k.killer_at.y, k.killer_at.z), (k.victim_at.x, k.victim_at.y, k.victim_at.z),
                        mod_id=k.mod)
             for i, k in enumerate(lua.kills) if i != drop_kill]
    end = LEVEL + lua.duration_ms
    return demos.Demo(
        file="supply.tv_84", protocol=284, mod="legacy", map=lua.map_name, pov=demos.Pov(63, "ETLTV", "spectators"),
        start_ms=start, end_ms=end,
        players=[demos.Player(i, NAMES[i], TEAMS[p.team]) for i, p in enumerate(ROSTER)],
        kills=kills, chat=[], phases=[demos.Phase(start, "playing", 0), demos.Phase(end, "intermission", 0)],
        positions=positions)


async def store_demo(kernel, demo: demos.Demo, end_unix: int, name: str, *, resolve: bool) -> list[str]:
    """Store as the job does; ``resolve``: name the players by the GUIDs the stats history gives their names
    (else by name keys, paired with the tracker's players by display name)."""
    keys = demotracks.player_keys(demo, await _known_names(kernel.db.pool, demo) if resolve else {})
    [telemetry] = demotracks.rounds(demo, keys=keys, at=demotracks.Anchor(end_unix, demo.end_ms), sample_ms=200)
    async with kernel.db.pool.acquire() as conn, store.transaction(conn):
        return await store_rounds(conn, name=name, sha256=name, size=1, source="test", rounds=[derive(telemetry)],
                                  how=Linking(window=300, timezone="Europe/Paris"))


async def recorded_twice(make_kernel, played, shared_data, resolve=False, plugins=frozenset(), **changes):
    kernel = await make_kernel(plugins={"stats", "proximity", *plugins})
    await kernel.ingest(stats_file(shared_data, played.end_unix))
    await kernel.ingest(played.file)
    await kernel.settle()
    lua = parse_file(played.path.read_bytes(), played.path.name)
    said = await store_demo(kernel, demo_of(lua, **changes), played.end_unix, "supply.tv_84", resolve=resolve)
    stats_round = await kernel.db.pool.fetchval("SELECT id FROM stats.rounds")
    assert said == [f"supply R1: {_samples(lua)} samples, {5 - (changes.get('drop_kill') is not None)} kills; "
                    f"stats round {stats_round}"]
    ids = {r["source"]: r["id"] for r in await kernel.db.pool.fetch("SELECT id, source FROM proximity.rounds")}
    return kernel, lua, ids


def _samples(lua: RoundTelemetry) -> int:
    """The tracker's samples the demo has: from its start to the round's end (not included), but for a
    sample taken in the very frame of the player's death (the demo shows the body then)."""
    deaths = {(k.victim, k.t) for k in lua.kills}
    return sum(1 for track in lua.tracks for t in track.t
               if LATE <= t < lua.duration_ms and (track.guid, int(t)) not in deaths)


async def test_a_demo_of_the_tracker_s_round_agrees_and_counts_once(make_kernel, played, shared_data) -> None:
    kernel, lua, ids = await recorded_twice(make_kernel, played, shared_data)
    check = await crosscheck.for_round(kernel.db.pool, ids["demo"])
    assert check == await crosscheck.for_round(kernel.db.pool, ids["lua"])
    assert (check.lua_kills, check.demo_kills, check.paired_kills, check.only_lua, check.only_demo) == (5, 5, 5, [], [])
    assert check.clock_offset_ms == LATE  # found from the kills alone
    assert (check.lua_players, check.demo_players, check.paired_players, check.unpaired_players) == (6, 6, 6, [])
    assert check.median_gap_m == 0.0 and check.p90_gap_m == 0.0 and check.agrees
    assert check.compared_samples == _samples(lua)
    # The session's analyses count the round once, from the tracker (which recorded the hits).
    engagements = (await kernel.commands.dispatch(kernel, "!engagements", CLI_ACTOR)).data
    assert (engagements.rounds, engagements.kills) == (1, 5)


async def test_a_missed_kill_and_a_displaced_player_are_reported(make_kernel, played, shared_data) -> None:
    kernel, lua, ids = await recorded_twice(make_kernel, played, shared_data, resolve=True, drop_kill=1,
                                            shift=(QMR, 200.0))
    guids = set(await kernel.db.pool.fetchval(
        "SELECT array_agg(guid) FROM proximity.players WHERE round_id = $1", ids["demo"]))
    assert guids == {p.guid[:8] for p in ROSTER}  # every name known to the stats history: their GUIDs
    check = await crosscheck.for_round(kernel.db.pool, ids["lua"])
    assert (check.paired_kills, check.only_demo, check.agrees) == (4, [], False)
    missed = lua.kills[1]
    assert msgspec.to_builtins(check.only_lua) == [{"t_ms": missed.t, "killer": ".olz", "victim": "endekk"}]
    # qmr 200 units (5.08 m) off: the one player whose tracks disagree.
    assert [(p.name, p.median_gap_m) for p in check.players] == [
        ("qmr", 5.08), *sorted((name, 0.0) for name in NAMES if name != "qmr")]
    assert await crosscheck.for_round(kernel.db.pool, 999) is None


async def test_a_round_with_one_source_has_no_cross_check(make_kernel, played, shared_data) -> None:
    kernel = await make_kernel(plugins={"stats", "proximity"})
    await kernel.ingest(played.file)
    await kernel.settle()
    round_id = await kernel.db.pool.fetchval("SELECT id FROM proximity.rounds")
    assert await crosscheck.for_round(kernel.db.pool, round_id) is None


async def test_the_round_page_and_route_show_the_disagreement(make_kernel, http_client, played, shared_data) -> None:
    pytest.importorskip("slomix_http")
    kernel, lua, ids = await recorded_twice(make_kernel, played, shared_data, plugins={"http"}, drop_kill=1)
    client = await http_client(kernel)
    detail = (await client.get(f"/api/proximity/rounds/{ids['demo']}")).json()
    assert (detail["round"]["source"], detail["file"], detail["other_source_round"]) == ("demo", "supply.tv_84",
                                                                                        ids["lua"])
    assert detail["crosscheck"]["only_lua"] == [{"t_ms": lua.kills[1].t, "killer": ".olz", "victim": "endekk"}]
    assert detail["crosscheck"]["agrees"] is False
    page = await client.get(f"/proximity/rounds/{ids['lua']}")
    assert page.status_code == 200
    text = page.text
    assert "The tracker and the demo disagree" in text
    assert 'kills: tracker / demo / paired</div><div class="value">5 / 4 / 4' in text
    assert f'data-sort="{lua.kills[1].t}">0:02</td><td>.olz</td><td>endekk</td><td>only the tracker</td>' in text
    assert "Recorded: positions, view angles, health, weapons, stances, hits" in text
    demo_page = (await client.get(f"/proximity/rounds/{ids['demo']}")).text
    assert "Not recorded (shown as such, never as zero): health, weapons, stances, hits" in demo_page
    for bad in ("abc", "99999", "1" * 30):
        assert (await client.get(f"/api/proximity/rounds/{bad}")).status_code == 404
        assert (await client.get(f"/proximity/rounds/{bad}")).status_code == 404
    # The stats plugin's round page carries the verdict and leads to both rounds.
    stats_page = (await client.get(f"/rounds/{detail['round']['stats_round_id']}")).text
    assert "<h2>Proximity</h2>" in stats_page and '<div class="value">disagree</div>' in stats_page
    assert ("Cross-check: 1 kill seen by one source only, 0 players found in one only, median track gap 0.00 m"
            in stats_page)
    assert f'href="/proximity/rounds/{ids["lua"]}"' in stats_page
    # The map page counts the stats round once (the tracker's round); that round's page leads to the demo's.
    listing = (await client.get("/proximity/maps/supply")).text
    assert f'href="/proximity/rounds/{ids["lua"]}"' in listing
    demo_link = f'href="/proximity/rounds/{ids["demo"]}"'
    assert demo_link not in listing and demo_link in text


async def test_a_demo_before_its_stats_round_is_held_then_linked(make_kernel, played, shared_data) -> None:
    kernel = await make_kernel(plugins={"stats", "proximity"})
    lua = parse_file(played.path.read_bytes(), played.path.name)
    said = await store_demo(kernel, demo_of(lua), played.end_unix, "supply.tv_84", resolve=False)
    assert said == [f"supply R1: {_samples(lua)} samples, 5 kills; waiting for its stats round"]
    await kernel.ingest(stats_file(shared_data, played.end_unix))
    await kernel.settle()
    assert kernel.errors == {}
    stats_round = await kernel.db.pool.fetchval("SELECT id FROM stats.rounds")
    assert await kernel.db.pool.fetchval("SELECT stats_round_id FROM proximity.rounds") == stats_round
    # The tracker's file arrives last: linked beside the demo's round, and the two are cross-checked.
    await kernel.ingest(played.file)
    await kernel.settle()
    ids = {r["source"]: r["id"] for r in await kernel.db.pool.fetch("SELECT id, source FROM proximity.rounds")}
    check = await crosscheck.for_round(kernel.db.pool, ids["demo"])
    assert (check.stats_round_id, check.paired_kills, check.agrees) == (stats_round, 5, True)

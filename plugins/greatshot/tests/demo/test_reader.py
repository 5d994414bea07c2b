"""The reader against the real demos: UberDemoTools' kill lists, players, the recorder."""

from __future__ import annotations

import msgspec
import pytest

from slomix_greatshot.demo import SCHEMA_VERSION, WORLD, Demo, parse

from .conftest import NAMES

# UDT's cause names for the ones that differ from the game's enum names.
UDT_CAUSES = {
    "grenade launcher": "grenade_launcher",
    "support fire": "airstrike",
    ".45acp 1911": "colt",
    "mp43": "mp34",
}
SNAPSHOT_MS = {"scores_test.dm_84": 25, "demo01_legacy.tv_84": 50, "etpro_capture_test.dm_84": 50}


def _find(demo: Demo, ref: dict, slack: int):
    for k in demo.kills:
        if (k.attacker, k.victim) == (ref["attacker_client"], ref["victim_client"]) and abs(
            k.time_ms - ref["server_time_ms"]
        ) <= slack:
            return k
    return None


@pytest.mark.parametrize("name", NAMES)
def test_every_reference_kill_is_found_with_its_cause_and_names(name, parsed, references) -> None:
    demo, ref = parsed[name], references[name]
    assert ref["kills"]
    for r in ref["kills"]:
        kill = _find(demo, r, SNAPSHOT_MS[name])
        assert kill is not None, r
        cause = r["cause"].lower()
        assert kill.mod == UDT_CAUSES.get(cause, cause), r
        assert (kill.attacker_name, kill.victim_name) == (r["attacker"], r["victim"])


def test_the_etv_demo_has_the_three_kills_udt_misses(parsed, references) -> None:
    demo = parsed["demo01_legacy.tv_84"]
    assert len(references["demo01_legacy.tv_84"]["kills"]) == 44
    assert len(demo.kills) == 47
    udt = {
        (r["server_time_ms"], r["attacker_client"], r["victim_client"])
        for r in references["demo01_legacy.tv_84"]["kills"]
    }
    extra = [
        (k.time_ms, k.attacker, k.victim, k.mod) for k in demo.kills if (k.time_ms, k.attacker, k.victim) not in udt
    ]
    # One is already in the first snapshot; two reuse an event slot within 300 ms.
    assert extra == [(205450, 10, 5, "sten"), (223050, 2, 3, "m7"), (273250, 5, 8, "mp40")]


@pytest.mark.parametrize("name", NAMES)
def test_counts_times_map_and_recorder(name, parsed, references) -> None:
    demo, ref = parsed[name], references[name]
    assert len(demo.kills) == {"scores_test.dm_84": 9, "demo01_legacy.tv_84": 47, "etpro_capture_test.dm_84": 6}[name]
    assert (demo.map, demo.pov.client) == (ref["map"], ref["recorder_client"])
    assert (demo.start_ms, demo.end_ms) == (ref["server_time_first"], ref["server_time_last"])
    assert [k.time_ms for k in demo.kills] == sorted(k.time_ms for k in demo.kills)


@pytest.mark.parametrize("name", NAMES)
def test_players_and_teams_match_the_reference(name, parsed, references) -> None:
    demo, ref = parsed[name], references[name]
    mine = {p.client: (p.name, p.team) for p in demo.players}
    for p in ref["players"]:
        assert mine[p["client"]] == (p["name"], p["team"]), p


def test_protocols_mods_and_the_recorder(parsed) -> None:
    client, tv, etpro = (parsed[n] for n in NAMES)
    assert (client.protocol, client.mod, client.mod_version) == (84, "legacy", "v2.82.1-140-g9f3f7f2")
    assert (tv.protocol, tv.mod) == (284, "legacy")
    assert (etpro.protocol, etpro.mod, etpro.mod_version) == (84, "etpro", "3.2.6")
    assert (client.pov.name, client.pov.team) == ("xdd", "spectators")
    assert (etpro.pov.name, etpro.pov.team) == ("EDiT-Kevin", "axis")
    assert client.snapshots == 712 and tv.snapshots == 3120 and etpro.snapshots == 279
    assert client.level_start_ms == 18475  # the spec's reading of CS_LEVEL_START_TIME


def test_kill_teams_are_the_teams_at_that_moment(parsed) -> None:
    etpro = parsed["etpro_capture_test.dm_84"]
    teamkill = next(k for k in etpro.kills if k.time_ms == 179569050)
    assert (teamkill.attacker, teamkill.victim, teamkill.attacker_team, teamkill.victim_team) == (
        5,
        4,
        "allies",
        "allies",
    )
    assert teamkill.weapon == "thompson"


def test_suicides_name_the_victim_as_attacker(parsed) -> None:
    tv = parsed["demo01_legacy.tv_84"]
    suicides = [k for k in tv.kills if k.mod == "suicide"]
    assert [(k.time_ms, k.attacker, k.victim) for k in suicides] == [(219150, 0, 0), (224500, 0, 0)]
    assert all(k.attacker != WORLD for k in suicides)


@pytest.mark.parametrize("name", NAMES)
def test_the_records_encode_and_decode_back_with_their_schema(name, parsed) -> None:
    demo = parsed[name]
    data = msgspec.json.encode(demo)
    assert msgspec.json.decode(data, type=Demo) == demo
    assert msgspec.json.decode(data)["schema"] == SCHEMA_VERSION == 1


def test_progress_reports_bytes_read_up_to_the_whole_file(demo_dir) -> None:
    path = demo_dir / "demo01_legacy.tv_84"
    seen: list[tuple[int, int]] = []
    parse(path, positions=False, progress=lambda done, total: seen.append((done, total)))
    size = path.stat().st_size
    assert len(seen) >= 5 and {total for _, total in seen} == {size}
    assert [done for done, _ in seen] == sorted(done for done, _ in seen) and seen[-1] == (size, size)


def test_team_scores_and_each_players_xp_from_the_scoreboards(parsed) -> None:
    dm = parsed["scores_test.dm_84"]
    assert [(s.time_ms, s.axis, s.allies) for s in dm.scores] == [
        (48975, 35, 12), (53975, 35, 13), (58975, 46, 16), (63975, 50, 23)]
    xp = {p.client: p.xp for p in dm.players}
    assert (xp[3], xp[11], xp[12], xp[0]) == (18, 18, 7, 0)
    assert sum(xp[c] for c in (1, 3, 5, 7, 9, 11)) == 50  # the axis players' XP is the axis score
    assert sum(xp[c] for c in (2, 4, 6, 8, 10, 12)) == 23
    tv = parsed["demo01_legacy.tv_84"]
    assert [(s.axis, s.allies) for s in tv.scores] == [(0, 0)]  # warmup all along


def test_the_kind_of_demo_is_read_from_its_gamestate_not_its_name(demo_dir, parsed, tmp_path) -> None:
    for name, other in (("demo01_legacy.tv_84", "renamed.dm_84"), ("scores_test.dm_84", "renamed.tv_84")):
        renamed = tmp_path / other
        renamed.write_bytes((demo_dir / name).read_bytes())
        demo = parse(renamed)
        assert (demo.protocol, demo.kills, demo.positions) == (parsed[name].protocol, parsed[name].kills,
                                                               parsed[name].positions)

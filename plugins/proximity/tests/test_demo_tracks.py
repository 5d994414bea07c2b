"""A demo's rounds as telemetry (``demotracks``): a scripted demo whose answers are known.

Two players on adlernest, recorded by ETTV over a whole match (warmup, R1, intermission, R2):
vid (his GUID in the demo) and olz (no GUID: keyed by name) walk along x at 100 units/s, 300
units apart; in R1 vid kills olz 20 s in, olz's body lies there 3 s, he respawns 10 s after his
death further on; the world kills vid 30 s in (his obituary carries no position: his last living
sample places it); in R2 olz kills vid with a position-less obituary on both sides, vid's body lies
still 1 s, then he is revived and walks on.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from slomix_greatshot import api as demos
from slomix_proximity import demotracks
from slomix_proximity.analytics import derive

VID_GUID = "d8423f900123456789abcdef01234567"
R1, R2 = 10_000, 80_000  # server times the two rounds went to "playing"


def walk(client: int, team: str, start: int, stop: int, y: float, *, gone: tuple[int, int] | None = None,
         still: tuple[int, int] | None = None):
    """20 Hz snapshots of a player walking along x at 100 units/s from x = 0 at ``start`` (absent while
    ``gone``, standing still while ``still``)."""
    def x(t: int) -> float:
        if still is None or t < still[0]:
            return (t - start) / 10
        return (still[0] - start) / 10 + max(0, t - still[1]) / 10

    return [demos.Position(t, client, team, x(t), y, 64.0, 181.0, -5.0)
            for t in range(start, stop, 50) if not (gone and gone[0] <= t < gone[1])]


def body(client: int, team: str, start: int, stop: int, x: float, y: float):
    return [demos.Position(t, client, team, x, y, 40.0, 0.0, 0.0) for t in range(start, stop, 50)]


def scripted(*, name: str = "2025-10-15-032600-adlernest.tv_84") -> demos.Demo:
    positions = (walk(0, "axis", R1, R1 + 30_050, 0)
                 + walk(1, "allies", R1, R1 + 60_000, 300, gone=(R1 + 20_000, R1 + 30_000))
                 + body(1, "allies", R1 + 20_000, R1 + 23_000, 2000, 300)
                 + walk(0, "allies", R2, R2 + 60_000, 0, still=(R2 + 5_000, R2 + 6_000))
                 + walk(1, "axis", R2, R2 + 60_000, 300)
                 + walk(63, "spectators", R1, R1 + 1000, 900))
    kills = [
        demos.Kill(R1 + 20_000, 0, 1, "vid", "olz", "mp40", "mp40", True, "axis", "allies",
                   (2000.0, 0.0, 64.0), (2000.0, 300.0, 64.0), mod_id=8),
        demos.Kill(R1 + 30_000, demos.WORLD, 0, "<world>", "vid", "none", "falling", None, "world", "axis",
                   mod_id=32),
        demos.Kill(R2 + 5_000, 1, 0, "olz", "vid", "thompson", "thompson", False, "axis", "allies", mod_id=9),
    ]
    return demos.Demo(
        file=name, protocol=284, mod="legacy", map="adlernest", pov=demos.Pov(63, "ETLTV", "spectators"),
        start_ms=1_000, end_ms=145_000,
        players=[demos.Player(0, "vid", "allies", VID_GUID), demos.Player(1, "olz", "axis"),
                 demos.Player(63, "ETLTV", "spectators")],
        kills=kills, chat=[],
        phases=[demos.Phase(1_000, "warmup"), demos.Phase(R1, "playing", 0), demos.Phase(R1 + 60_000, "intermission"),
                demos.Phase(R2, "playing", 1), demos.Phase(R2 + 60_000, "intermission", 1)],
        positions=positions)


def converted(demo: demos.Demo | None = None, known: dict[str, str] | None = None):
    demo = demo or scripted()
    keys = demotracks.player_keys(demo, known or {})
    at = demotracks.anchor(demo, name=demo.file, mtime=None, timezone="Europe/Paris")
    return keys, demotracks.rounds(demo, keys=keys, at=at, sample_ms=200)


def test_each_playing_phase_is_a_round_on_its_own_clock() -> None:
    _, (r1, r2) = converted()
    assert [(r.round_number, r.duration_ms, r.ended, r.source) for r in (r1, r2)] == [
        (1, 60_000, "intermission", "demo"), (2, 60_000, "intermission", "demo")]
    # Recording started at 03:26:00 Paris time (server time 1 000): R1 ended 70 s of server time later.
    started = datetime(2025, 10, 15, 3, 26, tzinfo=ZoneInfo("Europe/Paris")).timestamp()
    assert (r1.end_unix, r1.start_unix) == (started + 69, started + 9)
    assert r2.end_unix == started + 139
    assert r1.capabilities == {"samples", "view", "kills"} and not r1.has("damage") and not r1.has("waves")
    assert r1.map_name == "adlernest" and r1.recorder == "demo legacy (protocol 284)"


def test_players_are_keyed_by_guid_by_a_known_name_or_by_name() -> None:
    keys, (r1, _) = converted()
    olz = keys.at(1, R1)
    assert [keys.at(c, R1) for c in (0, 1, 63)] == ["D8423F90", demotracks.name_key("olz"),
                                                   demotracks.name_key("ETLTV")]
    assert keys.at(5, R1) is None  # a slot nobody held
    assert olz.startswith("N-") and len(olz) == 10 and demotracks.name_key(" OLZ ") == olz
    assert {p.guid: (p.name, p.team) for p in r1.players.values()} == {
        "D8423F90": ("vid", 1), olz: ("olz", 2)}  # the spectator is no player of the round
    known, _ = converted(known={"olz": "5D989160"})
    assert known.at(1, R1) == "5D989160"


def test_a_slot_that_changes_hands_keeps_its_occupants_apart() -> None:
    demo = scripted()
    demo.players.append(demos.Player(1, "bronze", "allies", first_ms=R1 + 40_000))  # olz left; bronze took slot 1
    keys, (r1, _) = converted(demo)
    olz, bronze = demotracks.name_key("olz"), demotracks.name_key("bronze")
    assert (keys.at(1, R1 + 39_999), keys.at(1, R1 + 40_000)) == (olz, bronze)
    # olz: 20 s alive, dead 10 s, 10 s more; bronze: the last 20 s of the slot.
    assert {t.guid: len(t) for t in r1.tracks} == {"D8423F90": 150, olz: 150, bronze: 100}
    assert (r1.players[bronze].name, r1.players[bronze].team) == ("bronze", 2)
    assert [(d.guid, d.t) for d in r1.departures] == [(olz, 39_800)]


def test_tracks_are_sampled_at_the_tracker_rate_from_the_round_start() -> None:
    keys, (r1, r2) = converted()
    vid, olz = sorted(r1.tracks, key=lambda t: t.guid != "D8423F90")
    assert (vid.guid, vid.team, olz.team) == ("D8423F90", 1, 2)
    # 30 s of vid alive at 20 Hz, kept at 5 Hz (his body at 30 s is not); olz: 60 s minus 10 s dead
    # (3 s of them his body, left out).
    assert len(vid) == 150 and len(olz) == 250
    assert list(vid.t[:3]) == [0, 200, 400] and list(vid.x[:3]) == [0, 20, 40] and int(vid.z[0]) == 64
    assert int(vid.yaw[0]) == -179 and int(vid.pitch[0]) == -5 and vid.health is None and vid.weapon is None
    assert {(t.guid, t.team) for t in r2.tracks} == {("D8423F90", 2), (keys.at(1, R2), 1)}  # sides swapped


def test_kills_take_the_obituary_s_positions_or_the_nearest_sample() -> None:
    keys, (r1, r2) = converted()
    olz = keys.at(1, R1)
    shot, fell = r1.kills
    assert (shot.t, shot.killer, shot.victim, shot.kind, shot.mod) == (20_000, "D8423F90", olz, "enemy", 8)
    assert shot.distance == 300.0  # 7.62 m
    assert (fell.kind, fell.killer, fell.t, fell.mod) == ("world", None, 30_000, 32)
    assert (fell.victim_at.x, fell.victim_at.y) == (2980, 0)  # his last living sample, 29.8 s in
    [late] = r2.kills
    assert (late.killer, late.victim, late.t, late.killer_team) == (olz, "D8423F90", 5_000, 1)
    assert (late.killer_at.x, late.victim_at.x, round(late.distance, 1)) == (500, 480, 300.7)


def test_lives_and_the_analyses_follow_from_the_tracks_and_kills() -> None:
    keys, (r1, r2) = converted()
    olz = keys.at(1, R1)
    assert [(s.guid, s.t) for s in r1.spawns] == [("D8423F90", 0), (olz, 0), (olz, 30_000)]
    # Revived: alive again once he walked 48 units off his body (0.5 s after he moved on).
    assert [(s.guid, s.t, s.at.x) for s in r2.spawns if s.guid == "D8423F90"] == [
        ("D8423F90", 0, 0), ("D8423F90", 6_500, 550)]
    facts = derive(r1)
    assert [(k.seq, k.first_blood, k.axis_alive, k.allies_alive) for k in facts.kills] == [
        (0, True, 1, 1), (1, False, 1, 0)]  # olz is back at 30 s, just after
    [fight] = facts.engagements
    assert (fight.a, fight.b, fight.outcome, fight.start_distance) == ("D8423F90", olz, "a_won", 300)
    assert facts.crossfires is None  # no hits in a demo: "not recorded"
    assert {kind for kind, guid, _ in facts.heat if guid == ""} == {"kills", "deaths", "presence"}


def test_a_demo_without_a_stamp_is_placed_by_its_file_time_at_its_end() -> None:
    demo = scripted(name="match.tv_84")
    at = demotracks.anchor(demo, name=demo.file, mtime=1_760_491_600.0, timezone="Europe/Paris")
    assert (at.unix, at.server_ms) == (1_760_491_600.0, 145_000)
    [r1, _] = demotracks.rounds(demo, keys=demotracks.player_keys(demo, {}), at=at, sample_ms=200)
    assert r1.end_unix == 1_760_491_600 - 75
    with pytest.raises(ValueError, match=r"match.tv_84: no time stamp"):
        demotracks.anchor(demo, name=demo.file, mtime=None, timezone="Europe/Paris")


def test_a_demo_that_starts_mid_round_counts_from_its_first_snapshot() -> None:
    demo = scripted()
    demo.phases = [demos.Phase(R1 + 1_000, "playing", 0)]
    demo.start_ms = R1 + 1_000
    [only] = converted(demo)[1]
    assert only.duration_ms == 145_000 - 11_000 and only.ended == "demo end" and only.round_number == 1
    assert only.kills[0].t == 19_000


def test_a_round_seen_from_its_level_start_keeps_the_tracker_s_clock() -> None:
    demo = scripted()
    demo.phases = [demos.Phase(R1 + 1_000, "playing", 0)]
    demo.start_ms, demo.level_start_ms = R1 + 1_000, R1  # CS_LEVEL_START_TIME, 1 s before the demo's start
    [only] = converted(demo)[1]
    assert only.duration_ms == 145_000 - R1 and only.kills[0].t == 20_000
    assert int(only.tracks[0].t[0]) == 1_000  # seen from 1 s into the round
    demo.level_start_ms = R1 - 30_000  # seen from 31 s in: time unseen does not count
    [later] = converted(demo)[1]
    assert later.duration_ms == 145_000 - R1 - 1_000 and later.kills[0].t == 19_000

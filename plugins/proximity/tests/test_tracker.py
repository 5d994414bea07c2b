"""lua/slomix_proximity.lua under Lua 5.4 (lupa) and the fake ``et``: what it writes for a scripted match,
how it behaves when the engine misbehaves, and what a frame costs with 12 players."""

from __future__ import annotations

import math
from itertools import pairwise
from pathlib import Path

import pytest
from proximity_match import BRONZE, ENDEKK, GUID, OLZ, QMR, ROSTER, SQUAZE, VID, Played, play

from slomix.testing.sftp import TEAM_ALLIES, TEAM_AXIS
from slomix_proximity.analytics import derive
from slomix_proximity.fileformat import parse_file
from slomix_proximity.testing import Match, Player, synthetic_round

pytest.importorskip("lupa")


def lines(path: Path, kind: str) -> list[list[str]]:
    return [line.split("\t") for line in path.read_text().splitlines() if line.startswith(kind + "\t")]


def test_scripted_match_file(played: Played) -> None:
    path = played.path
    assert path.name == f"proximity-supply-R1-{played.end_unix}.txt"
    text = path.read_text()
    header = dict(line[2:].split("=", 1) for line in text.splitlines() if line.startswith("# ") and "=" in line)
    assert text.startswith("# slomix-proximity 1\n")
    assert header["capabilities"] == "damage,disconnects,health,kills,objectives,revives,samples,spawns,stance,view," \
                                     "waves,weapon"
    assert (header["map"], header["round"], header["sample_ms"], header["end"]) == ("supply", "1", "200",
                                                                                    "intermission")
    assert header["samples"] == "t,slot,x,y,z,yaw,pitch,health,weapon,stance"
    assert int(header["lines"]) == sum(1 for line in text.splitlines() if not line.startswith("#"))
    # Kills with both positions and the distance: vid (0,0,0) killed qmr at (1000,0,0).
    first = lines(path, "K")[0]
    assert first == ["K", str(played.kills["qmr"]), str(QMR), str(VID), "8", "1000", "0", "0", "0", "0", "0", "1000"]
    assert [int(k[1]) for k in lines(path, "K")] == list(played.kills.values())
    # Damage with both positions: the first hit, vid on qmr.
    assert lines(path, "D")[0][2:] == [str(VID), str(QMR), "40", "8", "0", "0", "0", "1000", "0", "0"]
    assert len(lines(path, "D")) == 7
    # The revive names the medic; the wave schedule is the engine's (seeds 45 30 …: 2 s Axis, 12 s Allies).
    [revive] = lines(path, "R")
    assert revive[2:] == [str(QMR), str(BRONZE), "1000", "0", "0"]
    assert [w[2:] for w in lines(path, "L")] == [["1", "30000", "2000"], ["2", "20000", "12000"]]
    [objective] = lines(path, "O")
    assert objective[2:] == ["dynamite_plant", str(SQUAZE), "600", "600", "0", "the Depot Gate"]
    # Every player alive at the start has a spawn line at t=0.
    assert sorted(int(w[2]) for w in lines(path, "W") if w[1] == "0") == list(range(6))


def test_sampling_rate_and_stagger(played: Played) -> None:
    samples = lines(played.path, "S")
    by_slot: dict[int, list[int]] = {}
    for s in samples:
        by_slot.setdefault(int(s[2]), []).append(int(s[1]))
    # 5 Hz for everyone alive: vid lives the whole round.
    vid = by_slot[VID]
    assert {b - a for a, b in pairwise(vid)} == {200}
    # Slots are spread over the frames: no frame samples everybody.
    per_frame: dict[int, int] = {}
    for s in samples:
        per_frame[int(s[1])] = per_frame.get(int(s[1]), 0) + 1
    assert max(per_frame.values()) <= 2
    # The dead are not sampled: qmr has no sample between his death and his revive.
    dead = [t for t in by_slot[QMR] if played.kills["qmr"] < t < played.kills["qmr"] + 4000]
    assert dead == []


def test_parsed_telemetry(played: Played) -> None:
    round_ = parse_file(played.path.read_bytes(), played.path.name)
    assert (round_.map_name, round_.round_number, round_.sample_ms) == ("supply", 1, 200)
    assert sorted(round_.players) == sorted(GUID.values())
    assert round_.players[GUID[VID]].name == "vid"  # colour codes taken out by the engine's Q_CleanStr
    kill = round_.kills[0]
    assert (kill.killer, kill.victim, kill.kind, kill.distance) == (GUID[VID], GUID[QMR], "enemy", 1000.0)
    facts = derive(round_)
    assert [(c.a, c.b, c.target, c.angle, c.killer) for c in facts.crossfires] == [
        (GUID[ENDEKK], GUID[VID], GUID[QMR], 90.0, GUID[VID])]
    assert [(t.victim, t.killer, t.trader, t.trade_ms - t.death_ms) for t in facts.trades] == [
        (GUID[ENDEKK], GUID[OLZ], GUID[SQUAZE], 2000), (GUID[OLZ], GUID[SQUAZE], GUID[BRONZE], 2000)]
    assert facts.first_blood_team == TEAM_AXIS
    assert [(k.spawn_wait_ms, k.spawn_interval_ms) for k in facts.kills] == [
        (played.waits[name], 30000 if name in ("endekk", "squAze") else 20000) for name in played.kills]


def test_every_hook_is_guarded_and_returns_nothing(tmp_path: Path) -> None:
    match = Match(tmp_path, ROSTER[:2])
    match.start([(0, 0, 0), (500, 0, 0)])
    real = match.et._gentity_get

    def broken(lua, ent, field, index=None):
        if field == "ps.origin":
            raise ValueError("invalid gentity field: ps.origin")
        return real(lua, ent, field, index)

    match.et._gentity_get = broken  # every module asks through this
    for module in match.et.modules:
        module.globals().et.gentity_get = lambda ent, field, index=None, lua=module: broken(lua, ent, field, index)
    assert match.et.kill(1, 0) == [None]          # et_Obituary: no value, so later modules still see it
    assert match.et.damage(0, 1, 10) is True       # et_Damage: the hit is never cancelled
    match.run(1.0)                                 # sampling fails every frame: reported, never raised
    errors = [line for line in match.et.console if "failed" in line]
    assert errors and len(errors) <= 20 and "ps.origin" in errors[0]
    match.et._gentity_get = real
    for module in match.et.modules:
        module.globals().et.gentity_get = lambda ent, field, index=None, lua=module: real(lua, ent, field, index)
    assert match.end().read_text().endswith("# dropped=0\n")  # the round is still written


def test_restart_in_play_drops_the_round_and_a_map_change_keeps_it(tmp_path: Path) -> None:
    match = Match(tmp_path, ROSTER[:2])
    match.start()
    match.run(2.0)
    match.et.map_restart()  # an admin restarts the round: it will be played again
    folder = tmp_path / "legacy" / "proximity"
    assert list(folder.iterdir()) == []
    again = Match(tmp_path / "second", ROSTER[:2])
    again.start()
    again.run(2.0)
    again.et.call("et_ShutdownGame", 0)  # the map changed before an intermission frame
    [written] = (tmp_path / "second" / "legacy" / "proximity").iterdir()
    assert "# end=shutdown\n" in written.read_text()


def test_view_angles_can_be_left_out(tmp_path: Path) -> None:
    config = tmp_path / "legacy" / "luascripts"
    config.mkdir(parents=True)
    (config / "slomix_proximity_config.lua").write_text("return { record_view = false, sample_hz = 10, nope = 1 }")
    match = Match(tmp_path, ROSTER[:2])
    match.start()
    match.run(1.0)
    path = match.end()
    round_ = parse_file(path.read_bytes(), path.name)
    assert "view" not in round_.capabilities and round_.sample_ms == 100
    assert all(track.yaw is None for track in round_.tracks)
    assert any("unknown key nope" in line for line in match.et.console)


def test_cost_of_a_frame_with_12_players_is_bounded(tmp_path: Path) -> None:
    """Per frame the tracker reads at most a few players (5 Hz spread over 20 frames a second), its
    memory stays flat however long the round, and lines go to disk as they come."""
    players = [Player(f"{i:08X}" + "F" * 24, f"p{i}", TEAM_AXIS if i < 6 else TEAM_ALLIES) for i in range(12)]
    match = Match(tmp_path, players)
    match.start([(i * 100.0, 0.0, 0.0) for i in range(12)])
    lua = match.et.modules[0]
    memory = []
    calls = []
    for second in range(120):
        before = match.et.api_calls
        for slot in range(12):
            match.move(slot, slot * 100.0 + second, second * 10.0, 0.0, yaw=second % 360)
        match.run(1.0)
        calls.append((match.et.api_calls - before) / 20)
        memory.append(lua.eval("collectgarbage('count')"))
    # Each frame: the game state, two configstrings, a few roster slots, and ~3 players × 5 fields.
    assert max(calls) <= 32
    # Lua memory after two minutes is what it was after one (lines are flushed, nothing accumulates).
    assert max(memory[60:]) < max(memory[:60]) * 1.25 + 64
    path = match.end()
    assert len(lines(path, "S")) == pytest.approx(12 * 5 * 121, rel=0.02)


def test_synthetic_round_is_a_real_round(tmp_path: Path) -> None:
    path = synthetic_round(tmp_path, minutes=1.0, per_team=3, seed=7)
    round_ = parse_file(path.read_bytes(), path.name)
    assert round_.duration_ms == pytest.approx(60_000, abs=1100)
    assert len(round_.players) == 6 and round_.kills and round_.damage
    assert {track.team for track in round_.tracks} == {TEAM_AXIS, TEAM_ALLIES}
    assert all(math.isfinite(float(track.x.mean())) for track in round_.tracks)


def test_played_match_is_reproducible(tmp_path: Path) -> None:
    first = play(tmp_path / "one").path.read_text()
    second = play(tmp_path / "two").path.read_text()
    assert first == second


def test_nothing_is_sampled_while_paused(tmp_path: Path) -> None:
    match = Match(tmp_path, ROSTER[:2])
    match.start()
    match.run(1.0)
    match.et.pause(True)
    before = match.et.api_calls
    match.run(5.0)
    paused_calls = match.et.api_calls - before
    match.et.pause(False)
    match.run(1.0)
    samples = [int(s[1]) for s in lines(match.end(), "S")]
    assert paused_calls <= 3 * 100  # the game state and two configstrings a frame, nothing else
    assert max(b - a for a, b in pairwise(sorted(set(samples)))) <= 200  # the round clock skipped the pause

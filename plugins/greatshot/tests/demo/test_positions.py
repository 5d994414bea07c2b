"""Positions: every visible player per snapshot (ETTV: everyone), and where each kill happened."""

from __future__ import annotations

import itertools
import math

import pytest

from slomix_greatshot.demo import Position, Positions, parse


def test_ettv_positions_cover_every_player_at_every_snapshot(parsed) -> None:
    tv = parsed["demo01_legacy.tv_84"]
    assert len(tv.positions) == 31199  # every playerstate the demo carries
    by_time = {}
    for p in tv.positions:
        by_time.setdefault(p.time_ms, set()).add(p.client)
    assert len(by_time) == 3120 and max(len(c) for c in by_time.values()) == 10
    assert {p.team for p in tv.positions} == {"axis", "allies"}
    assert all(abs(p.x) < 10000 and abs(p.y) < 10000 and abs(p.z) < 5000 for p in tv.positions)
    assert all(-180 <= p.yaw <= 360 and -90 <= p.pitch <= 360 for p in tv.positions)


def test_kill_positions_match_the_players_positions_then(parsed) -> None:
    tv = parsed["demo01_legacy.tv_84"]
    at = {(p.time_ms, p.client): (p.x, p.y, p.z) for p in tv.positions}
    others = [k for k in tv.kills if k.attacker != k.victim]
    assert all(k.attacker_pos and k.victim_pos for k in others)
    for k in others:
        assert k.attacker_pos == at[(k.time_ms, k.attacker)] and k.victim_pos == at[(k.time_ms, k.victim)]
    distances = sorted(math.dist(k.attacker_pos, k.victim_pos) for k in others)
    assert 50 < distances[len(distances) // 2] < 3000  # a typical engagement, in game units


def test_client_demo_positions_are_the_visible_players(parsed) -> None:
    dm = parsed["scores_test.dm_84"]
    clients = {p.client for p in dm.positions}
    assert clients <= set(range(1, 13)) and len(clients) >= 6  # the bots in view; the recorder spectates
    assert len(dm.positions) == 3644


def test_positions_can_be_thinned_or_left_out(demo_dir) -> None:
    path = demo_dir / "demo01_legacy.tv_84"
    assert parse(path, positions=False).positions == []
    thin = parse(path, positions=1000)
    times = sorted({p.time_ms for p in thin.positions})
    assert len(times) == 157 and all(b - a >= 1000 for a, b in itertools.pairwise(times))


def test_positions_are_packed_columns_that_read_as_records(parsed) -> None:
    positions = parsed["demo01_legacy.tv_84"].positions
    assert isinstance(positions, Positions)
    packed = len(positions.times) + len(positions.clients) + len(positions.teams) + len(positions.places)
    assert packed == 26 * len(positions) == 26 * 31199  # bytes a sample; as objects it was ~165
    assert positions[0] == Position(205350, 0, "axis", -1752.0, -252.0, 72.25178527832031, -36.4306640625,
                                    1.0821533203125)
    assert positions[-1] == positions[31198] == Position(361350, 10, "allies", 37.921714782714844, -271.20440673828125,
                                                         72.125, 171.0076904296875, 0.0384521484375)
    records = list(positions)
    assert positions[100:103] == records[100:103] and positions == records
    assert Positions.of(records) == positions and Positions.of(positions) is positions
    with pytest.raises(IndexError):
        positions[31199]

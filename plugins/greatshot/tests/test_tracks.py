"""The stored tracks and the spawns read from a demo's packed positions, as from Position records."""

from __future__ import annotations

from slomix_greatshot import tracks
from slomix_greatshot.api import parse


def test_tracks_round_trip_and_spawns_alike_from_columns_or_records(shared_data, tmp_path) -> None:
    demo = parse(shared_data / "demos" / "demo01_legacy.tv_84")
    records = list(demo.positions)
    tracks.save(tmp_path / "positions.npz", demo.positions)
    assert tracks.load(tmp_path / "positions.npz") == records
    inside = tracks.load(tmp_path / "positions.npz", 300000, 300050)
    assert inside == [p for p in records if 300000 <= p.time_ms <= 300050] and len(inside) == 20  # two snapshots
    spawns = tracks.spawns(demo.positions, demo.kills)
    assert spawns == tracks.spawns(records, demo.kills)
    assert sorted(spawns) == list(range(11)) and spawns[0][0] == 205350  # the first sample enters play

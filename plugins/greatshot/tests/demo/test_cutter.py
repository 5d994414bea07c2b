"""Cuts round-trip: the clip decodes to the source's state, snapshot by snapshot, and the same kills."""

from __future__ import annotations

import os

import pytest

from slomix_greatshot.demo import DemoError, cut, parse
from slomix_greatshot.demo.cutter import pov_entities
from slomix_greatshot.demo.stream import DemoStream

from .test_cli import demo_cli

RANGES = {  # start, middle and end of each demo (server ms)
    "scores_test.dm_84": [(48975, 52000), (55000, 60000), (63000, 66750)],
    "demo01_legacy.tv_84": [(205350, 212000), (230000, 245000), (350000, 361350)],
    "etpro_capture_test.dm_84": [(179566150, 179569000), (179570000, 179574000), (179577000, 179580050)],
}
TV_POVS = (0, 5, 9)


def _source(path, start, end, pov=None):
    """Source state per server time in range, seen from ``pov`` for ETTV, and its record bytes."""
    stream, states, size = DemoStream(path), {}, 0
    for message in stream:
        snap = message.snapshot
        if snap is not None and start <= snap.server_time <= end:
            states[snap.server_time] = (snap.players[pov], pov_entities(snap, pov)) if stream.ettv else (
                snap.ps, snap.entities)
            size += 8 + _length(path, message.offset)
    return states, size


def _length(path, offset):
    with open(path, "rb") as f:
        f.seek(offset + 4)
        return int.from_bytes(f.read(4), "little")


def _clip(path):
    stream = DemoStream(path)
    states = {m.snapshot.server_time: (m.snapshot.ps, m.snapshot.entities) for m in stream if m.snapshot}
    return stream, states


def _check(src, out, start, end, pov, parsed_source):
    want, source_bytes = _source(src, start, end, pov)
    stream, got = _clip(out)
    assert not stream.ettv and stream.dropped == 0
    assert list(got) == list(want) and len(got) > 50
    for t, state in want.items():
        assert got[t] == state, t
    clip = parse(out)
    first = min(want)
    inside = [(k.time_ms, k.attacker, k.victim, k.mod) for k in parsed_source.kills if start <= k.time_ms <= end]
    # An obituary from just before the cut is still on screen in the first snapshot: it shows there.
    lingering = [(first, k.attacker, k.victim, k.mod) for k in parsed_source.kills
                 if start - 1000 <= k.time_ms < start]
    kills = [(k.time_ms, k.attacker, k.victim, k.mod) for k in clip.kills]
    assert [k for k in kills if k not in lingering] == inside
    assert all(k in lingering for k in kills if k not in inside)
    return clip, source_bytes


@pytest.mark.parametrize("name", [n for n in RANGES if not n.endswith(".tv_84")])
def test_client_demo_cuts_at_start_middle_and_end(name, demo_dir, parsed, tmp_path) -> None:
    src = demo_dir / name
    for start, end in RANGES[name]:
        out = tmp_path / f"{start}.dm_84"
        info = cut(src, out, start_ms=start, end_ms=end)
        clip, source_bytes = _check(src, out, start, end, None, parsed[name])
        assert (info.snapshots, info.size, info.pov) == (clip.snapshots, out.stat().st_size, parsed[name].pov.client)
        assert clip.pov == parsed[name].pov and clip.map == parsed[name].map
        assert info.size <= 1.5 * (source_bytes + 12_500)  # the server's own deltas plus a gamestate


def test_ettv_to_pov_for_three_players(demo_dir, parsed, tmp_path) -> None:
    src = demo_dir / "demo01_legacy.tv_84"
    names = {p.client: p.name for p in parsed["demo01_legacy.tv_84"].players}
    for pov, (start, end) in zip(TV_POVS, RANGES["demo01_legacy.tv_84"], strict=True):
        out = tmp_path / f"pov{pov}.dm_84"
        info = cut(src, out, start_ms=start, end_ms=end, pov=pov)
        clip, _ = _check(src, out, start, end, pov, parsed["demo01_legacy.tv_84"])
        assert (clip.protocol, clip.pov.client, clip.pov.name, info.pov) == (84, pov, names[pov], pov)


def test_the_clip_is_as_small_as_a_delta_encoded_cut(demo_dir, tmp_path) -> None:
    # UberDemoTools' delta-encoded cut of this range is 42.8 KB (spec §5.8).
    info = cut(demo_dir / "scores_test.dm_84", tmp_path / "c.dm_84", start_ms=55000, end_ms=60000)
    assert (info.snapshots, info.start_ms, info.end_ms) == (201, 55000, 60000)
    assert info.size <= 1.5 * 42_800


def test_bad_cuts_are_refused_with_a_reason(demo_dir, tmp_path) -> None:
    tv, dm = demo_dir / "demo01_legacy.tv_84", demo_dir / "scores_test.dm_84"
    cases = [
        (dm, dict(start_ms=60000, end_ms=50000), "before start"),
        (dm, dict(start_ms=1, end_ms=2), "no snapshot between 1 and 2 ms"),
        (tv, dict(start_ms=205350, end_ms=206000), "give pov"),
        (dm, dict(start_ms=55000, end_ms=56000, pov=3), r"only its recorder \(0\), not 3"),
        (tv, dict(start_ms=205350, end_ms=206000, pov=40), "client 40 has no playerstate"),
    ]
    for src, kwargs, reason in cases:
        with pytest.raises(DemoError, match=reason):
            cut(src, tmp_path / "x.dm_84", **kwargs)
        assert not (tmp_path / "x.dm_84").exists() and not (tmp_path / "x.dm_84.part").exists()


def test_cut_from_the_command_line(demo_dir, tmp_path) -> None:
    out = tmp_path / "clip.dm_84"
    result = demo_cli("cut", demo_dir / "demo01_legacy.tv_84", "--start-ms", 238000, "--end-ms", 240000,
                      "--out", out, "--pov", 2, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "41 snapshots 238000..240000 ms" in result.stdout and "view of client 2" in result.stdout
    clip = parse(out)
    assert [(k.time_ms, k.attacker, k.victim, k.mod) for k in clip.kills] == [
        (238350, 0, 4, "mp40"), (239250, 0, 2, "mp40"), (239250, 2, 1, "m7"), (239250, 2, 0, "m7")]
    bad = demo_cli("cut", demo_dir / "demo01_legacy.tv_84", "--start-ms", 1, "--end-ms", 2, "--out", out,
                   "--pov", 2, cwd=tmp_path)
    assert bad.returncode == 1 and "no snapshot between 1 and 2 ms" in bad.stderr
    nowhere = demo_cli("cut", demo_dir / "scores_test.dm_84", "--start-ms", 50000, "--end-ms", 51000, "--out",
                       tmp_path / "missing" / "clip.dm_84", cwd=tmp_path)
    assert nowhere.returncode == 1 and "cannot write" in nowhere.stderr
    assert "No such file or directory" in nowhere.stderr
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    if os.geteuid() != 0:  # root writes anywhere
        denied = demo_cli("cut", demo_dir / "scores_test.dm_84", "--start-ms", 50000, "--end-ms", 51000, "--out",
                          locked / "clip.dm_84", cwd=tmp_path)
        assert denied.returncode == 8 and "Permission denied" in denied.stderr


def test_a_cut_stops_at_a_new_gamestate(demo_dir, tmp_path) -> None:
    # Two copies back to back, as after a map restart: the second one's clock starts again.
    one = (demo_dir / "scores_test.dm_84").read_bytes()[:-8]
    twice = tmp_path / "twice.dm_84"
    twice.write_bytes(one + one)
    info = cut(twice, tmp_path / "c.dm_84", start_ms=66000, end_ms=70000)
    assert (info.start_ms, info.end_ms, info.snapshots) == (66000, 66750, 31)
    assert parse(twice).snapshots == 2 * 712


def test_both_readers_cut_the_same_bytes(demo_dir, tmp_path) -> None:
    src = demo_dir / "demo01_legacy.tv_84"
    cut(src, tmp_path / "pure.dm_84", start_ms=300000, end_ms=305000, pov=7, pure=True)
    cut(src, tmp_path / "fast.dm_84", start_ms=300000, end_ms=305000, pov=7, pure=False)
    assert (tmp_path / "pure.dm_84").read_bytes() == (tmp_path / "fast.dm_84").read_bytes()

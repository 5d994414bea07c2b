"""The synthetic-data generator: realistic, consistent with the differential, deterministic."""

from __future__ import annotations

import itertools
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import formats_helpers as h

from slomix_stats.formats import find_r1, parse_filename, parse_stats, r2_differential
from slomix_stats.synth import synthesize

SOURCES = sorted(h.STATS_DIR.glob("*.txt"))


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth")
    seen: list[int] = []
    assert synthesize(SOURCES, out, 150, seed=7, progress=seen.append) == 150
    assert seen == list(range(1, 151))
    return out


def test_files_parse_and_pair(generated):
    names = sorted(p.name for p in generated.iterdir())
    assert len(names) == 150
    parsed = {n: parse_stats((generated / n).read_bytes(), n) for n in names}
    assert {sf.extended_field_count for sf in parsed.values()} == {38}
    rounds = [sf.round_number for sf in parsed.values()]
    assert rounds.count(1) == rounds.count(2) == 75
    guids = set()
    for name, sf in parsed.items():
        assert 6 <= len(sf.players) <= 12
        guids |= {p.guid for p in sf.players}
        if sf.round_number == 1:
            continue
        r1_name = find_r1(name, names)
        assert r1_name is not None
        gap = parse_filename(name).timestamp - parse_filename(r1_name).timestamp
        assert 4 * 60 <= gap.total_seconds() <= 15 * 60
        r1 = parsed[r1_name]
        assert sf.header.time_limit_seconds == r1.header.next_time_limit_seconds  # time to beat
        assert sf.header.defender == r1.header.defender
        sides = {p.guid: p.team for p in r1.players}
        diff = r2_differential(r1, sf)
        for p, raw in zip(diff.players, sf.players, strict=True):
            assert not p.counter_reset
            if p.guid in sides:
                assert raw.team == 3 - sides[p.guid]  # sides swap
                assert raw.rounds == 1
            assert 0 < p.time_played_seconds <= sf.duration_seconds + 6
            assert p.kills >= 0 and p.damage_given >= 0 and 0 <= p.dpm < 3000
    assert len(guids) > 20
    real = {p.guid for sf in h.parsed_files().values() for p in sf.players}
    assert guids & real and guids - real  # real and generated players


def test_sessions_are_separated_by_more_than_an_hour(generated):
    stamps = sorted(parse_filename(p.name).timestamp for p in generated.iterdir())
    gaps = [(b - a).total_seconds() / 60 for a, b in itertools.pairwise(stamps)]
    assert max(g for g in gaps if g <= 60) < 25  # within a session
    assert any(g > 60 for g in gaps)
    assert all(g > 60 or g < 25 for g in gaps)
    assert all(18 <= s.hour or s.hour <= 1 for s in stamps)  # evenings


def test_differential_recovers_consistent_r2_values(generated):
    """R2 files are R1 + R2 for session counters: the R2-only part is a plausible round."""
    names = sorted(p.name for p in generated.iterdir())
    name = next(n for n in names if n.endswith("round-2.txt"))
    r2 = parse_stats((generated / name).read_bytes(), name)
    r1n = find_r1(name, names)
    r1 = parse_stats((generated / r1n).read_bytes(), r1n)
    diff = r2_differential(r1, r2)
    for p in diff.players:
        assert p.kills == sum(w.kills for w in p.weapons.values())
        assert p.bullets_fired == sum(w.shots for w in p.weapons.values())
        assert p.time_played_minutes <= round(r2.duration_seconds / 60, 1) + 0.1


def test_deterministic_for_a_seed(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    synthesize(SOURCES, a, 30, seed=3)
    synthesize(SOURCES, b, 30, seed=3)
    synthesize(SOURCES, c, 30, seed=4)
    files = lambda d: {p.name: p.read_bytes() for p in d.iterdir()}  # noqa: E731
    assert files(a) == files(b)
    assert files(a) != files(c)


def test_needs_usable_sources(tmp_path):
    with pytest.raises(ValueError):
        synthesize([], tmp_path, 10)
    assert synthesize(SOURCES, tmp_path / "none", 0) == 0

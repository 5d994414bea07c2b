"""Mutated and truncated real demos: only DemoError escapes, each input ends quickly, nothing huge is allocated."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from slomix_greatshot.demo import DemoError, cut, parse

from .conftest import NAMES

PREFIX = 48_000  # bytes of each demo the mutations work on: gamestate and the first snapshots
CORPUS = Path(__file__).parent / "corpus"
LIMIT_S = 10.0  # per input, on a loaded shared machine; a clean read of the prefix takes milliseconds


@pytest.fixture(scope="module")
def prefixes(demo_dir) -> dict[str, bytes]:
    return {name: (demo_dir / name).read_bytes()[:PREFIX] for name in NAMES}


def _read(path: Path, pure: bool) -> None:
    started = time.monotonic()
    try:
        parse(path, pure=pure)
    except DemoError as error:
        assert error.file == str(path) and error.offset is not None and error.message_number is not None
        assert str(error).startswith(f"{path}: offset {error.offset}, message {error.message_number}: ")
    assert time.monotonic() - started < LIMIT_S


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(NAMES), flips=st.lists(st.tuples(st.integers(0, PREFIX - 1), st.integers(0, 255)),
                                                   min_size=1, max_size=12),
       keep=st.integers(8, PREFIX), pure=st.booleans())
def test_mutations_and_truncations_raise_only_demo_error(prefixes, tmp_path, name, flips, keep, pure) -> None:
    data = bytearray(prefixes[name])
    for at, value in flips:
        if at < len(data):
            data[at] = value
    path = tmp_path / f"fuzz{Path(name).suffix}"
    path.write_bytes(bytes(data[:keep]))
    _read(path, pure)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(flips=st.lists(st.tuples(st.integers(9_000, PREFIX - 1), st.integers(0, 255)), min_size=1, max_size=6))
def test_cutting_a_damaged_demo_raises_only_demo_error(prefixes, tmp_path, flips) -> None:
    data = bytearray(prefixes["scores_test.dm_84"])
    for at, value in flips:
        data[at] = value
    path = tmp_path / "damaged.dm_84"
    path.write_bytes(bytes(data))
    try:
        cut(path, tmp_path / "clip.dm_84", start_ms=49000, end_ms=52000)
    except DemoError as error:
        assert error.file == str(path)


def test_a_record_claiming_gigabytes_is_refused_before_reading_it(tmp_path, prefixes) -> None:
    data = bytearray(prefixes["scores_test.dm_84"])
    data[4:8] = (2_000_000_000).to_bytes(4, "little")
    path = tmp_path / "huge.dm_84"
    path.write_bytes(bytes(data))
    with pytest.raises(DemoError, match=r"offset 0, message 0: record length 2000000000 outside 0\.\.32768"):
        parse(path)


def test_not_a_demo_at_all(tmp_path) -> None:
    for content in (b"", b"hello", bytes(100), b"\xff" * 100):
        path = tmp_path / "x.dm_84"
        path.write_bytes(content)
        with pytest.raises(DemoError):
            parse(path)


@pytest.mark.parametrize("case", sorted(CORPUS.glob("*.dm_84")) + sorted(CORPUS.glob("*.tv_84")),
                         ids=lambda p: p.name)
def test_regression_corpus(case, tmp_path) -> None:
    """Inputs fuzzing once broke (kept small: the mutated prefix of a real demo)."""
    for pure in (True, False):
        _read(case, pure)


def test_a_folder_or_a_missing_file_is_a_demo_error_naming_it(tmp_path) -> None:
    with pytest.raises(DemoError, match=r"missing\.dm_84: cannot open: No such file or directory"):
        parse(tmp_path / "missing.dm_84")
    with pytest.raises(DemoError, match=r"cannot (open|read)"):
        parse(tmp_path)

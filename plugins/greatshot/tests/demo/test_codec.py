"""The compiled reader and the pure-Python one give identical results; the Huffman table is the game's."""

from __future__ import annotations

import pytest

from slomix_greatshot.demo import DemoError, parse
from slomix_greatshot.demo.codec import COMPILED, reader_class
from slomix_greatshot.demo.codes import CODES
from slomix_greatshot.demo.huffbuild import build_codes

from .conftest import NAMES


def test_the_compiled_reader_was_built_at_install() -> None:
    assert COMPILED, "slomix_greatshot.demo._fastdemo missing: was the plugin installed with a C compiler?"
    assert reader_class(pure=True) is not reader_class(pure=False)


@pytest.mark.parametrize("name", NAMES)
def test_both_readers_decode_every_demo_identically(name, demo_dir, parsed) -> None:
    pure = parse(demo_dir / name, pure=True)
    assert pure == parse(demo_dir / name, pure=False) == parsed[name]
    assert pure.kills and pure.positions


def test_both_readers_fail_alike_on_damaged_messages(demo_dir, tmp_path) -> None:
    data = (demo_dir / "scores_test.dm_84").read_bytes()
    outcomes = set()
    for at in range(9000, 60000, 2500):
        bad = tmp_path / f"bad{at}.dm_84"
        bad.write_bytes(data[:at] + bytes([0xFF] * 40) + data[at + 40:])
        results = []
        for pure in (True, False):
            try:
                results.append(len(parse(bad, pure=pure).kills))
            except DemoError as error:
                results.append(str(error))
        assert results[0] == results[1], at
        outcomes.add(type(results[0]))
    assert str in outcomes  # damage was caught and named alike (some lands in values and reads as values)


def test_the_shipped_huffman_code_is_rebuilt_from_the_games_frequencies() -> None:
    codes = build_codes()
    assert tuple(codes) == CODES
    assert max(length for _, length in codes) == 11 and min(length for _, length in codes) == 2

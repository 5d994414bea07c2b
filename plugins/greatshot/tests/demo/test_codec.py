"""The compiled reader and the pure-Python one give identical results; the Huffman table is the game's."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from slomix_greatshot.demo import DemoError, parse
from slomix_greatshot.demo.bitwriter import Writer
from slomix_greatshot.demo.codec import COMPILED, reader_class
from slomix_greatshot.demo.codes import CODES
from slomix_greatshot.demo.huffbuild import build_codes
from slomix_greatshot.demo.netfields import ENTITY_BITS, PLAYER_BITS, PS_SIZE, PS_STATS, ZERO_PLAYER, float_bits

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


_floats = st.one_of(st.integers(-4096, 4095).map(lambda i: float_bits(float(i))),  # integral: 13-bit form
                    st.floats(width=32, allow_nan=False, allow_infinity=False).map(float_bits).filter(
                        lambda p: p != 0x80000000))  # -0.0 travels as 0.0, as in the game


def _state(widths):
    return st.tuples(*[_floats if w == 0 else st.integers(0, (1 << w) - 1) if w > 0
                       else st.integers(-(1 << (-w - 1)), (1 << (-w - 1)) - 1) for w in widths])


@settings(max_examples=150, deadline=None)
@given(old=_state(ENTITY_BITS), new=_state(ENTITY_BITS), pure=st.booleans())
def test_entity_deltas_written_then_read_give_the_state_back(old, new, pure) -> None:
    w = Writer()
    w.entity(77, old, new, True)
    w.bits(1023, 10)
    r = reader_class(pure)(w.payload())
    assert r.bits(10) == 77
    assert r.entity(old) == new
    assert r.bits(10) == 1023


@settings(max_examples=100, deadline=None)
@given(old=_state(PLAYER_BITS), new=_state(PLAYER_BITS), arrays=st.lists(
    st.tuples(st.integers(PS_STATS, PS_SIZE - 1), st.integers(-32768, 32767)), max_size=20), pure=st.booleans())
def test_playerstate_deltas_written_then_read_give_the_state_back(old, new, arrays, pure) -> None:
    old_ps = old + ZERO_PLAYER[len(old):]
    new_ps = list(new + ZERO_PLAYER[len(new):])
    for index, value in arrays:
        new_ps[index] = value
    w = Writer()
    w.playerstate(old_ps, tuple(new_ps))
    assert reader_class(pure)(w.payload()).playerstate(old_ps) == tuple(new_ps)


@given(values=st.lists(st.integers(1, 32).flatmap(lambda n: st.tuples(st.just(n), st.integers(0, (1 << n) - 1))),
                       max_size=40))
def test_any_bit_sequence_survives_huffman_coding(values) -> None:
    w = Writer()
    for n, value in values:
        w.bits(value, n)
    for pure in (True, False):
        r = reader_class(pure)(w.payload())
        assert [r.bits(n) for n, _ in values] == [value for _, value in values]

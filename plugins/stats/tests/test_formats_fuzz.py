"""Fuzzing: whatever bytes arrive, a parser returns a result or raises ParseError, never
anything else, and a result is always JSON-clean (no nan/inf)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import msgspec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).parent))
import formats_helpers as h

from slomix_stats.formats import (
    ParseError,
    find_r1,
    parse_endstats,
    parse_filename,
    parse_gametime,
    parse_round_end_payload,
    parse_stats,
    r2_differential,
    to_parse_json,
)

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# A spread of real files: every version, the header-only file, the spec's pair.
SAMPLES = sorted({h.ADLER_R1, h.ADLER_R2, h.ESCAPE_33, h.FEB_36, h.GOLDRUSH_37, h.HEADER_ONLY,
                  *list(h.raw_files())[::15]})
JUNK = [b"", b"x", b"-1", b"nan", b"inf", b"-inf", b"1e309", b"9" * 30, b"9" * 5000, b"\x00", b"\\", b"\t", b" ",
        b"^", b",", b"[", b"]", b"{}", b"\"", b"\xff\xfe", b"\xc3", b"0.0", b"1.5", b"00", b"+1", b"1_0", b"\r",
        "\u0663".encode(), b"true", b"null", b"1e5", b"-0"]


@st.composite
def mutated(draw, files: dict[str, bytes]) -> tuple[str, bytes]:
    name = draw(st.sampled_from(sorted(files)))
    data = files[name]
    for _ in range(draw(st.integers(1, 3))):
        lines = data.split(b"\n")
        op = draw(st.sampled_from(["truncate", "delete", "duplicate", "swap", "token", "bytes", "insert", "empty"]))
        if op == "truncate":
            data = data[: draw(st.integers(0, len(data)))]
        elif op == "delete" and lines:
            del lines[draw(st.integers(0, len(lines) - 1))]
            data = b"\n".join(lines)
        elif op == "duplicate" and lines:
            i = draw(st.integers(0, len(lines) - 1))
            lines.insert(i, lines[i])
            data = b"\n".join(lines)
        elif op == "swap" and len(lines) > 1:
            i, j = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[i], lines[j] = lines[j], lines[i]
            data = b"\n".join(lines)
        elif op == "token":
            tokens = data.replace(b"\\", b" \\ ").replace(b"\t", b" \t ").split(b" ")
            if tokens:
                i = draw(st.integers(0, len(tokens) - 1))
                tokens[i] = draw(st.sampled_from(JUNK) | st.binary(max_size=8))
            data = b" ".join(tokens).replace(b" \\ ", b"\\").replace(b" \t ", b"\t")
        elif op == "bytes":
            at = draw(st.integers(0, len(data)))
            data = data[:at] + draw(st.binary(max_size=16)) + data[at:]
        elif op == "insert":
            at = draw(st.integers(0, len(data)))
            data = data[:at] + draw(st.sampled_from(JUNK)) + data[at:]
        else:
            data = b""
    return name, data


def _json_clean(value) -> None:
    json.dumps(value, allow_nan=False)


@FUZZ
@given(mutated({n: h.raw_files()[n] for n in SAMPLES}))
def test_stats_parser_only_raises_parse_error(case):
    name, data = case
    try:
        sf = parse_stats(data, name)
    except ParseError as err:
        assert err.file == name and err.reason
        assert err.line is None or err.line >= 1
        return
    _json_clean(to_parse_json(sf))
    if sf.round_number == 2:  # the differential must cope with whatever parsed
        r1 = find_r1(name, h.raw_files())
        if r1 is not None:
            try:
                _json_clean(to_parse_json(r2_differential(h.parsed_files()[r1], sf)))
            except ParseError:
                pass


@FUZZ
@given(st.binary(max_size=600))
def test_stats_parser_random_bytes(data):
    try:
        parse_stats(data, h.ADLER_R1)
    except ParseError:
        pass


@FUZZ
@given(st.text(max_size=300))
def test_filename_parser(name):
    try:
        parse_filename(name)
    except ParseError:
        return
    assert "/" not in name and "\\" not in name and ".." not in name and "\0" not in name


ENDSTATS = {"2026-01-12-224606-te_escape2-round-2-endstats.txt":
            (h.ENDSTATS_DIR / "2026-01-12-224606-te_escape2-round-2-endstats.txt").read_bytes(),
            "2026-08-20-214000-supply-round-1-endstats.txt":
            b"Most damage given\tvid\t3214\nQuickest multikill w/ light weapons\tvid\t3 kills in 2.41s\n"
            b"Full respawn king\tcarniee\t41.50 percent, 4.10 min\nVS_HEADER\tvid\t" + b"A" * 32 + b"\nx\t1\t2\n"}


@FUZZ
@given(mutated(ENDSTATS))
def test_endstats_parser_only_raises_parse_error(case):
    name, data = case
    try:
        e = parse_endstats(data, name)
    except ParseError:
        return
    _json_clean(msgspec.to_builtins(e))


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12)


@FUZZ
@given(st.data())
def test_payload_parser_only_raises_parse_error(data):
    doc = h.embed()
    fields = doc["embeds"][0]["fields"]
    for _ in range(data.draw(st.integers(1, 3))):
        field = data.draw(st.sampled_from(fields))
        field[data.draw(st.sampled_from(["value", "name"]))] = data.draw(
            JSON_VALUES | st.sampled_from([j.decode("latin-1") for j in JUNK]))
    for candidate in (doc, data.draw(JSON_VALUES), msgspec.json.encode(doc),
                      msgspec.json.encode(doc)[: data.draw(st.integers(0, 200))]):
        try:
            m = parse_round_end_payload(candidate)
        except ParseError:
            continue
        _json_clean(msgspec.to_builtins(m))


@FUZZ
@given(st.data())
def test_gametime_parser_only_raises_parse_error(data):
    doc = h.gametime_doc()
    key = data.draw(st.sampled_from(sorted(doc["meta"])))
    doc["meta"][key] = data.draw(JSON_VALUES)
    raw = json.dumps(doc).encode()
    cut = data.draw(st.integers(0, len(raw)))
    for blob in (raw, raw[:cut], data.draw(st.binary(max_size=64))):
        try:
            m = parse_gametime(blob, "gametime-etl_adlernest-R1-1760469133.json")
        except ParseError:
            continue
        _json_clean(msgspec.to_builtins(m))

"""Stats files: every real file, every format version, headers, errors with line numbers."""

from __future__ import annotations

import hashlib
import pickle
import sys
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import formats_helpers as h

from slomix_stats.formats import (
    EXTENDED_FIELDS,
    OPTIONAL_FIELDS,
    ParseError,
    Weapon,
    clean_name,
    format_mss,
    parse_mss,
    parse_stats,
)


def test_every_real_file_parses_and_versions_are_counted():
    versions = Counter(sf.extended_field_count for sf in h.parsed_files().values())
    assert len(h.parsed_files()) == 166
    assert versions == {38: 146, 37: 6, 36: 6, 33: 7, None: 1}
    assert sum(len(sf.players) for sf in h.parsed_files().values()) == 1091


def test_header_only_file_is_a_round_without_players():
    """A real R2 with nobody active: the Lua wrote just the header."""
    sf = h.parsed_files()[h.HEADER_ONLY]
    assert sf.players == []
    assert sf.extended_field_count is None
    assert (sf.map_name, sf.round_number, sf.header.config) == ("supply", 2, "defaultpublic")
    assert sf.duration_seconds == 900


def test_spec_sample_r1_endekk():
    """Spec §1.8, read by hand from the real file."""
    sf = h.parsed_files()[h.ADLER_R1]
    hd = sf.header
    assert (hd.server_name, hd.map, hd.config, hd.header_round) == ("^a#^7p^au^7rans^a.^7only", "etl_adlernest",
                                                                      "legacy3", 1)
    assert (hd.defender, hd.winner, hd.time_limit_seconds, hd.next_time_limit_seconds) == (1, 2, 600, 138)
    assert (hd.playtime_seconds, hd.header_field_count, hd.diagnostics) == (None, 8, ())
    assert sf.duration_seconds == 138 and sf.extended_field_count == 38
    p = h.player(sf, h.ENDEKK)
    assert (p.name, p.clean_name, p.rounds, p.team, p.is_bot) == ("endekk", "endekk", 0, 2, False)
    assert (p.kills, p.deaths, p.headshots) == (8, 1, 7)  # 2 + 5 + 1 kills; head HITS 2 + 5
    assert (p.damage_given, p.damage_received, p.xp, p.killing_spree_best, p.headshot_kills) == (759, 423, 62, 4, 2)
    assert (p.bullets_fired, p.lua_dpm, p.time_played_minutes, p.time_dead_minutes) == (67, 0.0, 2.3, 0.2)
    assert (p.time_dead_ratio, p.lua_kd_ratio, p.denied_playtime, p.double_kills) == (8.7, 8.0, 42, 1)
    assert (p.useless_kills, p.revives_given, p.time_played_percent) == (2, 1, 93.7)
    assert p.time_played_seconds == 138
    assert p.dpm == pytest.approx(759 * 60 / 138)
    assert p.kd_ratio == 8.0 and p.efficiency == pytest.approx(800 / 9)
    assert p.accuracy == pytest.approx(30 * 100 / 67)
    assert p.weapons == {"WS_MP40": Weapon(6, 12, 2, 1, 2), "WS_THOMPSON": Weapon(20, 52, 5, 0, 5),
                         "WS_GRENADE": Weapon(3, 2, 1, 0, 0), "WS_SYRINGE": Weapon(1, 1, 0, 0, 0)}
    assert list(p.weapons) == ["WS_MP40", "WS_THOMPSON", "WS_GRENADE", "WS_SYRINGE"]  # bit order


def test_spec_sample_r2_is_cumulative_with_sides_swapped():
    sf = h.parsed_files()[h.ADLER_R2]
    assert (sf.header.header_round, sf.header.defender, sf.header.winner) == (2, 1, 1)
    assert (sf.header.time_limit_seconds, sf.header.next_time_limit_seconds) == (138, 138)
    p = h.player(sf, h.ENDEKK)
    assert (p.team, p.rounds, p.time_played_minutes, p.kills) == (1, 1, 4.6, 12)


def test_filename_is_authoritative_for_map_and_round():
    data = h.raw_files()[h.ADLER_R1]
    sf = parse_stats(data, "2025-10-14-212214-etl_adlernest-round-2.txt")
    assert sf.round_number == 2 and sf.header.header_round == 1


def test_str_and_bytes_give_the_same_result():
    data = h.raw_files()[h.ADLER_R1]
    assert parse_stats(data.decode(), h.ADLER_R1) == parse_stats(data, h.ADLER_R1)


class TestOlderVersions:
    def test_33_fields_map_multikills_not_denied_playtime(self):
        """2024 files have no denied playtime: TAB28-32 are the multikills (spec §1.7).
        The predecessor mapped by v8 index and put the double kills into denied_playtime."""
        sf = h.parsed_files()[h.ESCAPE_33]
        p = h.player(sf, "8C49608C")
        assert sf.extended_field_count == 33
        assert (p.clean_name, p.damage_given, p.time_played_minutes) == ("blAuss:X", 3656, 9.8)
        assert p.time_dead_minutes == 6.8
        assert (p.most_useful_kills, p.double_kills, p.triple_kills, p.quad_kills) == (9, 1, 0, 0)
        assert p.denied_playtime is None and p.useless_kills is None
        assert p.full_selfkills is None and p.constructions is None and p.revives_given is None

    def test_old_bullets_fired_is_the_sum_of_weapon_shots(self):
        """Before Oct 2025 TAB20 accumulated every 5-s snapshot (29 157 here, spec §1.7)."""
        sf = h.parsed_files()[h.ESCAPE_33]
        p = h.player(sf, "8C49608C")
        assert p.bullets_fired == sum(w.shots for w in p.weapons.values()) == 469
        assert b"\t29157\t" in h.raw_files()[h.ESCAPE_33]

    def test_36_fields(self):
        sf = h.parsed_files()[h.FEB_36]
        p = h.player(sf, "D8423F90")
        assert sf.extended_field_count == 36
        assert (p.most_useful_kills, p.denied_playtime, p.double_kills, p.useless_kills, p.full_selfkills) == (
            3, 63, 1, 2, 0)
        assert p.constructions is None and p.revives_given is None

    def test_37th_field_is_constructions_not_revives(self):
        """Why a 37-field file's last field is repairs/constructions (the spec lists no 37):

        revives_given (TAB37 in 38-field files) equals the sum of times_revived in every
        38-field file, since every revive has a medic and a revived player. In 37-field
        files the last field never matches times_revived and is highest on sw_goldrush_te,
        whose tank is repaired by engineers. So 37 = 36 + constructions; revives came later.
        """
        files = h.parsed_files().values()
        for sf in files:
            if sf.extended_field_count == 38:
                assert sum(p.revives_given for p in sf.players) == sum(p.times_revived for p in sf.players)
        sums = [(sf.filename, sum(p.constructions for p in sf.players), sum(p.times_revived for p in sf.players))
                for sf in files if sf.extended_field_count == 37]
        assert len(sums) == 6
        assert sum(c != r for _, c, r in sums) >= 4
        assert max(sums, key=lambda s: s[1])[0] == h.GOLDRUSH_37
        sf = h.parsed_files()[h.GOLDRUSH_37]
        assert all(p.revives_given is None for p in sf.players)
        assert sum(p.constructions for p in sf.players) == 7

    def test_35_fields_built_from_a_36_field_file(self):
        """Feb 2025 format (spec §1.7): like 36 without full_selfkills."""
        data = h.raw_files()[h.FEB_36]
        lines = data.split(b"\n")
        cut = [line.rsplit(b"\t", 1)[0] if b"\t" in line else line for line in lines[1:]]
        sf35 = parse_stats(b"\n".join([lines[0], *cut]), h.FEB_36)
        sf36 = h.parsed_files()[h.FEB_36]
        assert sf35.extended_field_count == 35
        for a, b in zip(sf35.players, sf36.players, strict=True):
            assert a.full_selfkills is None
            assert (a.denied_playtime, a.double_kills, a.useless_kills) == (b.denied_playtime, b.double_kills,
                                                                            b.useless_kills)
            assert a.weapons == b.weapons and a.kills == b.kills

    def test_32_field_space_separated_c0rnp0rn2(self):
        """c0rnp0rn2 (iamez/etlegacy-scripts) wrote everything space-separated and had no
        time-played field; after K/D come useful kills and the multikills."""
        data = h.raw_files()[h.ESCAPE_33]
        lines = data.split(b"\n")
        legacy = [lines[0]]
        for line in lines[1:]:
            if not line:
                continue
            head, _, rest = line.partition(b" \t")
            f = rest.split(b"\t")
            legacy.append(head + b" " + b" ".join(f[:22] + f[23:28] + f[28:33]))
        sf = parse_stats(b"\n".join(legacy) + b"\n", h.ESCAPE_33)
        ref = h.parsed_files()[h.ESCAPE_33]
        assert sf.extended_field_count == 32
        for a, b in zip(sf.players, ref.players, strict=True):
            assert a.time_played_minutes is None
            assert a.time_played_seconds == sf.duration_seconds == 586  # no TAB22: the round's duration
            same = [f for f in EXTENDED_FIELDS if f != "time_played_minutes"]
            assert [getattr(a, f) for f in same] == [getattr(b, f) for f in same]
            assert a.weapons == b.weapons

    def test_optional_fields_are_exactly_the_late_additions(self):
        assert OPTIONAL_FIELDS == {"time_played_minutes", "denied_playtime", "useless_kills", "full_selfkills",
                                   "constructions", "revives_given"}


class TestHeaders:
    base = h.raw_files()[h.ADLER_R1]

    def parse_header(self, header: str):
        return parse_stats(h.with_header(self.base, header), h.ADLER_R1)

    @pytest.mark.parametrize(("f9", "playtime", "duration"), [
        ("137456", 137.456, 137),      # v8: milliseconds
        ("231", 231.0, 231),           # an earlier 9-field variant wrote seconds
        ("10000", 10000.0, 600),       # not > 10 000: seconds, then capped at the time limit
        ("10001", 10.001, 10),
        ("-4213", None, 138),          # shutdown path: negative, fall back to f8
        ("0", None, 138),
        ("nan", None, 138),
        ("inf", None, 138),
        ("abc", None, 138),
    ])
    def test_nine_field_header_playtime(self, f9, playtime, duration):
        sf = self.parse_header(f"srv\\etl_adlernest\\legacy3\\1\\1\\2\\10:00\\2:18\\{f9}")
        assert sf.header.header_field_count == 9
        assert sf.header.playtime_seconds == playtime
        assert sf.duration_seconds == duration

    def test_duration_defaults_and_cap(self):
        assert self.parse_header("s\\m\\c\\1\\1\\2\\10:00\\0:00").duration_seconds == 300
        assert self.parse_header("s\\m\\c\\1\\1\\2\\0:00\\0:00").duration_seconds == 300
        # the R2 fallback bug writes f8 = 86:40; the cap at f7 keeps it sane
        sf = self.parse_header("s\\m\\c\\2\\1\\1\\2:18\\86:40")
        assert sf.header.next_time_limit_seconds == 5200 and sf.duration_seconds == 138

    @pytest.mark.parametrize(("defender", "winner", "expected", "diagnostics"), [
        ("2", "0", (2, 0), ()),
        ("", "", (1, 0), ("defender_missing", "winner_missing")),
        ("x", "-1", (1, 0), ("defender_non_numeric", "winner_non_numeric")),
        ("0", "3", (1, 0), ("defender_out_of_range", "winner_out_of_range")),
    ])
    def test_defender_winner_diagnostics(self, defender, winner, expected, diagnostics):
        sf = self.parse_header(f"s\\m\\c\\1\\{defender}\\{winner}\\10:00\\2:18")
        assert (sf.header.defender, sf.header.winner) == expected
        assert sf.header.diagnostics == diagnostics

    @pytest.mark.parametrize("header", ["only\\seven\\fields\\1\\1\\2\\10:00",
                                        "a\\b\\c\\1\\1\\2\\10:00\\2:18\\1\\extra", "free text"])
    def test_bad_header_field_count(self, header):
        with pytest.raises(ParseError) as err:
            self.parse_header(header)
        assert err.value.line == 1 and "header has" in err.value.reason

    def test_mss(self):
        assert [parse_mss(t) for t in ("2:18", "12:00", "0:00", "86:40", "2.5", "2:60", "x", "-1:00", "")] == [
            138, 720, 0, 5200, 150, None, None, None, None]
        assert [format_mss(s) for s in (138, 720, 0, 5200, None)] == ["2:18", "12:00", "0:00", "86:40", ""]


class TestPlayerLines:
    def test_clean_name_strips_caret_and_one_alphanumeric(self):
        assert clean_name("^6S^2uper^6B^2oyy") == "SuperBoyy"
        assert clean_name("^a#^7p^au^7rans^a.^7only") == "#purans.only"
        assert clean_name("^^1x^.y^") == "^x^.y^"  # ^. is not a colour code here (spec §1.10.12)

    def test_omnibots_get_distinct_guids_from_their_names(self):
        data = h.raw_files()[h.ADLER_R1]
        line = data.split(b"\n")[1]
        a = line.replace(b"7B84BE88\\endekk", b"OMNIBOT0\\^1[BOT]Blaze")
        b = line.replace(b"7B84BE88\\endekk", b"omnibot0\\[BOT]Ice")
        sf = parse_stats(h.replace_line(h.replace_line(data, 2, a), 3, b), h.ADLER_R1)
        bots = sf.players[:2]
        assert all(p.is_bot for p in bots) and not any(p.is_bot for p in sf.players[2:])
        assert [p.raw_guid for p in bots] == ["OMNIBOT0", "OMNIBOT0"]
        assert bots[0].clean_name == "[BOT]Blaze"
        assert bots[0].guid == "OMNIBOT0" + hashlib.sha256(b"[BOT]Blaze").hexdigest()[:24].upper()
        assert bots[1].guid == "OMNIBOT0" + hashlib.sha256(b"[BOT]Ice").hexdigest()[:24].upper()
        assert len(bots[0].guid) == 32 and bots[0].guid != bots[1].guid

    def test_human_guid_with_bot_name_keeps_its_guid(self):
        data = h.raw_files()[h.ADLER_R1]
        line = data.split(b"\n")[1].replace(b"\\endekk\\", b"\\[bot]endekk\\")
        p = parse_stats(h.replace_line(data, 2, line), h.ADLER_R1).players[0]
        assert p.is_bot and p.guid == h.ENDEKK

    def test_crlf_and_latin1_names(self):
        data = h.raw_files()[h.ADLER_R1]
        crlf = data.replace(b"\n", b"\r\n")
        assert parse_stats(crlf, h.ADLER_R1) == h.parsed_files()[h.ADLER_R1]
        latin = data.replace(b"\\endekk\\", b"\\end\xe9kk\\")
        assert parse_stats(latin, h.ADLER_R1).players[0].name == "endékk"

    @pytest.mark.parametrize(("change", "reason"), [
        (lambda line: line.replace(b"\\endekk\\", b"\\endekk\\x\\"), "6 backslash-separated parts"),
        (lambda line: b"\\" + line.split(b"\\", 1)[1], "invalid GUID"),
        (lambda line: line.replace(b"\\0\\2\\", b"\\0\\7\\"), "team: Expected 'int' <= 3"),
        (lambda line: line.replace(b"134219824 6 12", b"134219824 6"), "holds 19 numbers after the mask"),
        (lambda line: line.replace(b"134219824 6 12 2 1 2 ", b"134219824 "), "names 4 weapons but 15 numbers"),
        (lambda line: line.replace(b"134219824", b"999999999"), "weapon mask: Expected 'int' <= 268435455"),
        (lambda line: line.replace(b"\\0\\2\\", b"\\x\\2\\"), "rounds: not a number: 'x'"),
        (lambda line: line.replace(b"\t759\t", b"\t7.5\t"), "extended field 0 (damage_given)"),
        (lambda line: line.replace(b"\t93.7\t", b"\tabc\t"), "time_played_percent"),
        (lambda line: line.replace(b"\t759\t", b"\t99999999999\t"), "extended field 0"),
        (lambda line: line.replace(b"\t759\t", b"\t759\t1\t"), "39 extended fields"),
        (lambda line: line.replace(b"\t759\t", b"\t7,59\t"), "','"),
        (lambda line: line.replace(b" 6 12 ", b" 6 -12 "), "weapon number 2"),
    ])
    def test_bad_player_line_names_the_line(self, change, reason):
        data = h.raw_files()[h.ADLER_R1]
        line = data.split(b"\n")[1]
        bad = h.replace_line(data, 2, change(line))
        with pytest.raises(ParseError) as err:
            parse_stats(bad, h.ADLER_R1)
        assert err.value.line == 2 and err.value.file == h.ADLER_R1
        assert reason in err.value.reason
        assert str(err.value) == f"{err.value.reason} (line 2)"

    def test_mixed_versions_in_one_file_are_rejected(self):
        good = h.raw_files()[h.ADLER_R1]
        old = h.raw_files()[h.ESCAPE_33].split(b"\n")[1]
        with pytest.raises(ParseError) as err:
            parse_stats(h.replace_line(good, 4, old), h.ADLER_R1)
        assert err.value.line == 4 and "33 extended fields" in err.value.reason

    @pytest.mark.parametrize(("data", "reason", "line"), [
        (b"", "empty file", None),
        (b"\n\n", "empty file", None),
        (b"a\\b\\c\\1\\1\\2\\10:00\\2:18\n\0\n", "NUL character", 2),
    ])
    def test_bad_files(self, data, reason, line):
        with pytest.raises(ParseError) as err:
            parse_stats(data, h.ADLER_R1)
        assert (err.value.reason, err.value.line) == (reason, line)

    def test_wrong_kind_of_name(self):
        with pytest.raises(ParseError, match="endstats file name"):
            parse_stats(h.raw_files()[h.ADLER_R1], "2025-10-14-212214-etl_adlernest-round-1-endstats.txt")
        with pytest.raises(ParseError):
            parse_stats(h.raw_files()[h.ADLER_R1], "../etc/passwd")

    def test_parse_error_is_a_value_error_with_fields(self):
        err = ParseError("f.txt", "bad", 3)
        assert isinstance(err, ValueError) and (err.file, err.reason, err.line) == ("f.txt", "bad", 3)
        assert str(err) == "bad (line 3)" and str(ParseError("f.txt", "bad")) == "bad"
        again = pickle.loads(pickle.dumps(err))
        assert (again.file, again.reason, again.line) == ("f.txt", "bad", 3)


def test_time_played_seconds_counts_tenths_exactly():
    """int(4.1 * 60) is 245 in floating point; TAB22 has 0.1-min resolution, so 4.1 min is 246 s
    (the predecessor stored 245; see test_formats_reference for the R2 cases this changes)."""
    data = h.raw_files()[h.ADLER_R1]
    line = data.split(b"\n")[1].replace(b"\t0.0\t2.3\t", b"\t0.0\t4.1\t")
    p = parse_stats(h.replace_line(data, 2, line), h.ADLER_R1).players[0]
    assert p.time_played_minutes == 4.1 and int(4.1 * 60) == 245
    assert p.time_played_seconds == 246

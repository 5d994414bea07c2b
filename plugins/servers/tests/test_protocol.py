"""The protocol's bytes and parsers, on the engine's formats (spec server-ratings-voice §1)."""

from __future__ import annotations

import pytest

from slomix.testing.gameserver import FakeGameServer, FakePlayer, _Redirect
from slomix_servers import protocol
from slomix_stats.api import plain_name


def test_the_header_is_four_ff_bytes_never_utf8() -> None:
    data = protocol.packet("getstatus abc")
    assert data == b"\xff\xff\xff\xffgetstatus abc"
    assert b"\xc3\xbf" not in data  # what "\xff".encode() would have sent
    assert protocol.rcon_packet("pw", "status") == b"\xff\xff\xff\xffrcon pw status\x00"


@pytest.mark.parametrize(("command", "message"), [
    ("say hi\nquit", "line break"), ("say a\0b", "NUL"), ("say 100%", "%"), ("say " + "x" * 1020, "at most 1019"),
])
def test_a_command_the_engine_would_cut_or_change_is_refused(command, message) -> None:
    with pytest.raises(ValueError, match=message):
        protocol.packet(command)


@pytest.mark.parametrize("password", ["two words", 'qu"ote', "pct%", "semi;colon", "sla//sh", ""])
def test_an_rcon_password_must_be_one_token(password) -> None:
    with pytest.raises(ValueError, match="one word"):
        protocol.rcon_packet(password, "status")


def test_names_decode_as_the_engine_does() -> None:
    assert protocol.decode("Kärpfän".encode()) == "Kärpfän"  # valid UTF-8 stays
    assert protocol.decode(b"K\xe4rpf\xe4n") == "Kärpfän"  # an old client's Latin-1 bytes
    assert protocol.decode(b"\xc3\xa4 and \xe4") == "ä and ä"  # both in one name
    assert plain_name("^a#^7p^au^7rans^a.^7only") == "#purans.only"
    assert plain_name("^!x^*y^/z") == "xyz"  # codes the predecessor left in
    assert plain_name("a^^1b") == "a^b"  # ^^ is a caret, then ^1 a colour
    assert plain_name("^\xe4x") == "x"  # ^ + a high character is a colour code too
    assert plain_name("end^") == "end^"


def test_a_status_response_gives_each_player_the_team_of_his_slot() -> None:
    reply = (b"\xff\xff\xff\xffstatusResponse\n\\sv_hostname\\^1Hi\\mapname\\supply\\g_gametype\\3"
             b"\\sv_maxclients\\20\\P\\2-13\\challenge\\c1\n"
             b'12 40 "^1vid"\n7 0 "[BOT]x"\n0 999 "new"\n')
    status = protocol.parse_status(reply, "c1")
    assert (status.hostname, status.map, status.gametype, status.max_clients) == ("Hi", "supply", "stopwatch", 20)
    assert [(p.slot, p.name, p.raw_name, p.team, p.score, p.ping) for p in status.players] == [
        (0, "vid", "^1vid", "allies", 12, 40), (2, "[BOT]x", "[BOT]x", "axis", 7, 0),
        (3, "new", "new", "spectator", 0, 999)]
    assert (status.humans, status.players[1].bot, status.players[2].connecting) == (2, True, True)
    with pytest.raises(protocol.ProtocolError, match="challenge"):
        protocol.parse_status(reply, "other")
    with pytest.raises(protocol.ProtocolError, match="player line 1"):
        protocol.parse_status(b"\xff\xff\xff\xffstatusResponse\n\\P\\1\nbroken\n")


def test_the_status_table_is_read_from_what_the_engine_prints() -> None:
    server = FakeGameServer(players=[FakePlayer("^1v^2i^3d", team=2, score=-3, address="203.0.113.9:27960"),
                                     FakePlayer("two words name", team=1, score=40),
                                     FakePlayer("[BOT]Fritz", team=2, ping=0),
                                     FakePlayer("loading", team=3, ping=999)])
    packets: list[bytes] = []
    out = _Redirect(packets.append)
    server._print_status(out)
    out.end()
    text = protocol.decode(b"".join(packets))
    rows = protocol.parse_status_table(text)
    assert [(r.slot, r.score, r.ping, r.name, r.address) for r in rows] == [
        (0, -3, "40", "vid", "203.0.113.9:27960"), (1, 40, "40", "two words name", "192.0.2.10:27960"),
        (2, 0, "0", "[BOT]Fritz", "bot"), (3, 0, "CNCT", "loading", "192.0.2.10:27960")]
    assert all(len(p) <= 239 for p in packets) and len(packets) >= 3


def test_cvar_answers_are_read() -> None:
    assert protocol.parse_cvar('"g_currentRound" is:"1^7" default:"0^7"\n') == "1"
    assert protocol.parse_cvar('"gamestate" is: "-1^7", the default\n') == "-1"
    assert protocol.parse_cvar('Unknown command "x^7"\n') is None


def test_an_infostring_with_a_dangling_key_is_an_error() -> None:
    with pytest.raises(protocol.ProtocolError, match="without a value"):
        protocol.parse_info(b"\\a\\1\\b")

"""The UDP client against the loopback game server: exact bytes, multi-datagram replies, loss, rate limit."""

from __future__ import annotations

import re
import time

import anyio
import pytest
from servers_fixtures import PASSWORD

from slomix_servers.client import BadPassword, GameServer, Pacer, RconUnavailable, Unreachable
from slomix_servers.protocol import parse_status_table

pytestmark = pytest.mark.anyio


def client(server, password: str | None = PASSWORD, **kwargs) -> GameServer:
    return GameServer("main", server.host, server.port, password, **{"timeout": 0.4, **kwargs})


async def test_getstatus_sends_the_engines_bytes_and_reads_every_player(real_server) -> None:
    status = await client(real_server).status()
    [sent] = real_server.received
    assert re.fullmatch(rb"\xff\xff\xff\xffgetstatus [0-9a-f]{12}", sent)
    assert (status.hostname, status.map, status.gametype) == ("#purans.only", "etl_adlernest", "stopwatch")
    assert [(p.name, p.team) for p in status.players] == [
        ("endekk", "allies"), ("SmetarskiLoto", "allies"), ("squAze:)", "allies"), (".olz", "axis"),
        ("bronze.", "axis"), ("qmr", "axis"), ("SuperBoyy", "axis"), ("vid", "allies")]
    assert status.players[3].raw_name == "^1.^7olz"
    assert [p.score for p in status.players] == [10, 20, 30, 40, 50, 60, 70, 80]


async def test_getinfo_carries_humans(game_server) -> None:
    from slomix.testing.gameserver import FakePlayer
    server = game_server(players=[FakePlayer("a"), FakePlayer("[BOT]b", ping=0)])
    info = await client(server).info()
    assert (info["clients"], info["humans"], info["mapname"]) == ("2", "1", "supply")
    assert re.fullmatch(rb"\xff\xff\xff\xffgetinfo [0-9a-f]{12}", server.received[0])


async def test_rcon_status_is_every_datagram_of_the_reply(real_server) -> None:
    text = await client(real_server).rcon("status")
    assert real_server.received == [b"\xff\xff\xff\xffrcon " + PASSWORD.encode() + b" status\x00"]
    assert len(real_server.sent) >= 4  # the table straddles several print datagrams
    assert all(len(p) - len(b"\xff\xff\xff\xffprint\n") <= 239 for p in real_server.sent)
    rows = parse_status_table(text)
    assert [(r.slot, r.name) for r in rows] == [(0, "endekk"), (1, "SmetarskiLoto"), (2, "squAze:)"), (3, ".olz"),
                                                (4, "bronze."), (5, "qmr"), (6, "SuperBoyy"), (7, "vid")]
    assert text.startswith("cpu server utilization") and "map                   : etl_adlernest" in text


async def test_a_wrong_password_is_a_clear_error(real_server) -> None:
    with pytest.raises(BadPassword, match="main: the server refused the RCON password"):
        await client(real_server, "wrong").rcon("status")
    assert real_server.commands == []


async def test_a_server_without_rcon_password_says_so(game_server) -> None:
    server = game_server(rcon_password="")
    with pytest.raises(RconUnavailable, match="RCON is off on the server"):
        await client(server).rcon("status")
    with pytest.raises(RconUnavailable, match="no RCON password is configured"):
        await client(server, None).rcon("status")


async def test_a_lost_request_is_sent_again_and_total_loss_is_unreachable(real_server) -> None:
    real_server.lose_requests(1)
    status = await client(real_server).status()
    assert len(status.players) == 8 and len(real_server.received) == 2 and len(real_server.dropped) == 1
    real_server.lose_requests(2)
    with pytest.raises(Unreachable, match=r"main: no reply from 127\.0\.0\.1:\d+ after 2 attempts of 0.4 s"):
        await client(real_server).status()


async def test_an_rcon_that_may_not_run_twice_is_not_resent(real_server) -> None:
    real_server.lose_requests(1)
    with pytest.raises(Unreachable, match="after 1 attempt of"):
        await client(real_server).rcon('say "hello"')
    assert real_server.chat == []
    real_server.lose_requests(1)
    assert "etl_adlernest" in await client(real_server).rcon("status", retry=True)


async def test_a_lost_datagram_of_a_reply_leaves_the_rest(real_server) -> None:
    real_server.lose_reply_packets({1})
    text = await client(real_server).rcon("status")
    assert text.startswith("cpu server utilization")
    assert 0 < len(parse_status_table(text)) < 8  # the rows after the gap are still read


async def test_nobody_listening_is_unreachable() -> None:
    with pytest.raises(Unreachable, match=r"gone: no reply from 127\.0\.0\.1:9 "):
        await GameServer("gone", "127.0.0.1", 9, PASSWORD, timeout=0.2, retries=0).status()
    with pytest.raises(Unreachable, match=r"^nowhere: no-such-host\.invalid:27960: "):
        await GameServer("nowhere", "no-such-host.invalid", 27960, timeout=0.2, retries=0).status()


async def test_one_rcon_in_flight_per_server(real_server) -> None:
    server = client(real_server)
    replies: dict[int, str] = {}

    async def ask(i: int) -> None:
        replies[i] = await server.rcon("status" if i % 2 else "g_currentRound")

    async with anyio.create_task_group() as tg:
        for i in range(4):
            tg.start_soon(ask, i)
    # Each reply is whole: the status tables were not mixed with the cvar answers.
    assert all(len(parse_status_table(replies[i])) == 8 for i in (1, 3))
    assert all(replies[i].startswith('"g_currentRound" is:"0^7"') for i in (0, 2))


async def test_the_rate_limit_drops_a_burst_and_the_pacer_keeps_under_it(game_server) -> None:
    """sv_protect 1: burst 10 then one a period. Unpaced, a burst of 15 loses 5; paced, none."""
    frozen = 1000.0  # the server's clock stands still while the burst arrives
    server = game_server(protect=True, protect_period_ms=100, clock=lambda: frozen)
    unpaced = client(server, retries=0, timeout=0.2, pacer=Pacer(burst=1000))
    results = []
    for _ in range(15):
        try:
            await unpaced.status()
            results.append(True)
        except Unreachable:
            results.append(False)
    assert results == [True] * 10 + [False] * 5 and len(server.dropped) == 5
    server.clock = time.monotonic
    server.dropped.clear()
    paced = client(server, retries=0, pacer=Pacer(burst=10, rate=9.0))
    started = time.monotonic()
    for _ in range(15):
        await paced.status()
    assert server.dropped == []
    assert time.monotonic() - started >= 5 / 9.0 - 0.05  # the last five waited their turn


def test_the_pacer_is_the_engines_bucket() -> None:
    now = [0.0]
    pacer = Pacer(clock=lambda: now[0])
    assert [pacer.delay() for _ in range(10)] == [0.0] * 10
    assert pacer.delay() == pytest.approx(1.0)
    now[0] = 5.0
    assert pacer.delay() == 0.0


async def test_a_reply_that_is_not_the_engines_is_not_taken_for_one() -> None:
    """Something answers on the port, but not as the engine does (another service, a stale reply)."""
    import socket
    import threading

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(2)

    def answer() -> None:
        for reply in (b"\xff\xff\xff\xffstatusResponse\n\\mapname\\x\\challenge\\stale\n", b"hello"):
            _, address = sock.recvfrom(2048)
            sock.sendto(reply, address)

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    try:
        with pytest.raises(Unreachable, match=r"after 2 attempts of 0.3 s \(2 datagram\(s\) came back that do not "):
            await GameServer("odd", "127.0.0.1", sock.getsockname()[1], timeout=0.3).status()
    finally:
        thread.join()
        sock.close()

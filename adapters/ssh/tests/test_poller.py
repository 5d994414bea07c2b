"""The SFTP poller against a real asyncssh server on loopback."""

from __future__ import annotations

import logging
import os

import anyio
import asyncssh
import pytest

from slomix_ssh.connection import open_sftp
from slomix_ssh.poller import Poller

pytestmark = pytest.mark.anyio

STATS = "gamestats/2025-10-14-212214-etl_adlernest-round-1.txt"


async def poller_for(kernel):
    settings = kernel.settings_for("ssh")
    poller = Poller(kernel, settings.servers[0], settings)
    await poller.ledger.load()
    return poller


async def test_file_growing_between_listings_is_fetched_once_it_is_stable(ssh_kernel, sftp_server, recorder):
    kernel = await ssh_kernel()
    poller = await poller_for(kernel)
    server = kernel.settings_for("ssh").servers[0]
    async with open_sftp(server, 5) as sftp:
        path = sftp_server.write(STATS, b"header line\n", mtime=1_700_000_000)
        assert await poller.poll(sftp) == 0  # first sight: could still be written
        path.write_bytes(b"header line\nplayer one\n")
        os.utime(path, (1_700_000_001, 1_700_000_001))
        assert await poller.poll(sftp) == 0  # it changed since the last listing
        assert poller.status.waiting == 1
        assert await poller.poll(sftp) == 1  # two listings agree: fetched
        assert await poller.poll(sftp) == 0  # and never again
    [file] = recorder.files
    assert (file.name, file.data, file.source) == (os.path.basename(STATS), b"header line\nplayer one\n", "ssh:gs1")
    local = kernel.config.data_dir / "incoming" / "gs1" / file.name
    assert file.path == str(local) and local.read_bytes() == file.data
    assert [p.name for p in local.parent.iterdir()] == [file.name]  # no temporary file left behind
    row = await kernel.db.pool.fetchrow("SELECT * FROM ssh.fetched")
    assert (row["server"], row["path"], row["size"], row["mtime"]) == ("gs1", "/" + STATS, 23, 1_700_000_001)
    assert row["outcome"] == "recorder: stored (23 bytes)"


async def test_a_catch_up_is_handed_on_as_one_batch(ssh_kernel, sftp_server, recorder):
    kernel = await ssh_kernel()
    poller = await poller_for(kernel)
    names = [f"gamestats/2025-10-14-2122{n:02d}-supply-round-1.txt" for n in range(5)]
    async with open_sftp(kernel.settings_for("ssh").servers[0], 5) as sftp:
        for name in names:
            sftp_server.write(name, name.encode(), mtime=1_700_000_000)
        await poller.poll(sftp)
        assert await poller.poll(sftp) == 5
    assert recorder.batches == [5]
    assert sorted(f.name for f in recorder.files) == sorted(os.path.basename(n) for n in names)


async def test_a_file_a_plugin_failed_on_is_fetched_again_later(ssh_kernel, sftp_server, recorder):
    kernel = await ssh_kernel(retry_failed_seconds=0.05)
    poller = await poller_for(kernel)
    recorder.broken = "cannot store it now"
    async with open_sftp(kernel.settings_for("ssh").servers[0], 5) as sftp:
        sftp_server.write(STATS, b"stats", mtime=1_700_000_000)
        await poller.poll(sftp)
        assert await poller.poll(sftp) == 1
        assert "recorder: failed (plugin recorder failed: RuntimeError: cannot store it now)" in \
            poller.status.failed["/" + STATS]
        assert await kernel.db.pool.fetchval("SELECT count(*) FROM ssh.fetched") == 0  # not taken as done
        recorder.broken = None
        await anyio.sleep(0.1)
        assert await poller.poll(sftp) == 1
    assert [f.name for f in recorder.files] == [os.path.basename(STATS)]
    assert await kernel.db.pool.fetchval("SELECT outcome FROM ssh.fetched") == "recorder: stored (5 bytes)"


async def test_same_name_reuploaded_with_new_content_is_fetched_again(ssh_kernel, sftp_server, recorder):
    kernel = await ssh_kernel()
    poller = await poller_for(kernel)
    server = kernel.settings_for("ssh").servers[0]
    async with open_sftp(server, 5) as sftp:
        sftp_server.write(STATS, b"first version\n", mtime=1_700_000_000)
        await poller.poll(sftp)
        assert await poller.poll(sftp) == 1
        sftp_server.write(STATS, b"second version\n", mtime=1_700_000_100)
        await poller.poll(sftp)
        assert await poller.poll(sftp) == 1
        # Touched with the same bytes: the listing differs, the content does not.
        sftp_server.write(STATS, b"second version\n", mtime=1_700_000_200)
        await poller.poll(sftp)
        assert await poller.poll(sftp) == 0
        assert await poller.poll(sftp) == 0
    assert [f.data for f in recorder.files] == [b"first version\n", b"second version\n"]
    rows = await kernel.db.pool.fetch("SELECT mtime FROM ssh.fetched ORDER BY fetched_at")
    assert [r["mtime"] for r in rows] == [1_700_000_000, 1_700_000_200]
    # A restarted process remembers: nothing is fetched twice.
    again = await poller_for(kernel)
    async with open_sftp(server, 5) as sftp:
        assert await again.poll(sftp) == 0
        assert await again.poll(sftp) == 0
    assert len(recorder.files) == 2


async def test_permission_denied_file_is_reported_and_the_others_fetched(ssh_kernel, sftp_server, recorder,
                                                                         ssh_health):
    kernel = await ssh_kernel(retry_failed_seconds=0.2)
    poller = await poller_for(kernel)
    server = kernel.settings_for("ssh").servers[0]
    locked = sftp_server.write("gamestats/2025-10-14-213000-supply-round-1.txt", b"secret", mtime=1_700_000_000)
    sftp_server.write("gamestats/2025-10-14-214000-supply-round-2.txt", b"open", mtime=1_700_000_000)
    sftp_server.write("gametimes/gametime-supply-R1-1760470000.json", b"{}", mtime=1_700_000_000)
    locked.chmod(0)
    async with open_sftp(server, 5) as sftp:
        await poller.poll(sftp)
        assert await poller.poll(sftp) == 2
        assert sorted(f.name for f in recorder.files) == ["2025-10-14-214000-supply-round-2.txt",
                                                          "gametime-supply-R1-1760470000.json"]
        detail = (await ssh_health(kernel))["servers"]["gs1"]
        assert detail["failed"] == {"/" + locked.relative_to(sftp_server.root).as_posix(): "Permission denied"}
        assert "Permission denied" in detail["last_error"]
        assert await poller.poll(sftp) == 0  # held back for retry_failed_seconds, not retried every poll
        locked.chmod(0o644)
        await anyio.sleep(0.25)
        await poller.poll(sftp)  # back in the running: it settles like any new file
        assert await poller.poll(sftp) == 1
    assert recorder.files[-1].data == b"secret"
    assert (await ssh_health(kernel))["servers"]["gs1"]["failed"] == {}


async def test_oversized_and_odd_files_are_left_on_the_server(ssh_kernel, sftp_server, recorder):
    kernel = await ssh_kernel(max_file_bytes=8)
    poller = await poller_for(kernel)
    server = kernel.settings_for("ssh").servers[0]
    sftp_server.write("gamestats/big-round-1.txt", b"x" * 9, mtime=1_700_000_000)
    sftp_server.write("gamestats/.hidden-round-1.txt", b"tmp", mtime=1_700_000_000)
    sftp_server.write("gamestats/with space.txt", b"odd", mtime=1_700_000_000)
    (sftp_server.root / "gamestats" / "a-folder").mkdir()
    os.symlink("/etc/passwd", sftp_server.root / "gamestats" / "link.txt")
    sftp_server.write("gamestats/small-round-1.txt", b"ok", mtime=1_700_000_000)
    async with open_sftp(server, 5) as sftp:
        await poller.poll(sftp)
        assert await poller.poll(sftp) == 1
    assert [f.name for f in recorder.files] == ["small-round-1.txt"]
    assert poller.status.failed == {"/gamestats/big-round-1.txt": "larger than 8 bytes"}
    (sftp_server.root / "gamestats" / "big-round-1.txt").unlink()
    async with open_sftp(server, 5) as sftp:
        await poller.poll(sftp)
    assert poller.status.failed == {}  # gone from the server: no longer reported


async def test_missing_remote_folder_is_reported_and_other_folders_polled(ssh_kernel, sftp_server, recorder):
    kernel = await ssh_kernel(servers=[sftp_server.server_entry(proximity_dir="/nowhere")])
    poller = await poller_for(kernel)
    sftp_server.write("gametimes/gametime-supply-R1-1760470000.json", b"{}", mtime=1_700_000_000)
    async with open_sftp(kernel.settings_for("ssh").servers[0], 5) as sftp:
        await poller.poll(sftp)
        assert await poller.poll(sftp) == 1
    assert poller.status.last_error.startswith("cannot list /nowhere")


async def test_server_restart_reconnects_with_backoff(ssh_kernel, sftp_server, recorder, polling, eventually,
                                                      ssh_health, caplog):
    kernel = await ssh_kernel()
    with caplog.at_level(logging.INFO, logger="slomix.ssh"):
        async with polling(kernel):
            sftp_server.write("gamestats/one-round-1.txt", b"one")
            await eventually(lambda: len(recorder.files) == 1)
            await sftp_server.stop()
            await eventually(lambda: "retrying in 2 s" in caplog.text)  # failed twice: the delay doubled
            sftp_server.write("gamestats/two-round-1.txt", b"two")
            await sftp_server.start()
            await eventually(lambda: len(recorder.files) == 2)
            detail = await eventually(lambda: _connected(ssh_health, kernel))
    assert [f.data for f in recorder.files] == [b"one", b"two"]
    assert "retrying in 1 s" in caplog.text
    assert sftp_server.logins == 2
    assert detail["files_fetched"] == 2 and detail["last_error"]


async def _connected(ssh_health, kernel):
    detail = (await ssh_health(kernel))["servers"]["gs1"]
    return detail if detail["connected"] else None


async def test_unknown_host_key_is_refused(ssh_kernel, sftp_server, recorder, polling, eventually, ssh_health,
                                           tmp_path):
    impostor = tmp_path / "known_hosts_other"
    impostor.write_text(sftp_server.known_hosts_line(asyncssh.generate_private_key("ssh-ed25519")))
    kernel = await ssh_kernel(servers=[sftp_server.server_entry(known_hosts=str(impostor))])
    sftp_server.write("gamestats/one-round-1.txt", b"one")
    async with polling(kernel):
        detail = await eventually(lambda: _errored(ssh_health, kernel))
    assert detail["last_error"].startswith("host key not verifiable")
    assert detail["connected"] is False
    assert recorder.files == [] and sftp_server.logins == 0


async def test_missing_known_hosts_file_is_refused_not_learned(ssh_kernel, sftp_server, recorder, polling,
                                                               eventually, ssh_health, tmp_path):
    absent = tmp_path / "no_known_hosts"
    kernel = await ssh_kernel(servers=[sftp_server.server_entry(known_hosts=str(absent))])
    async with polling(kernel):
        detail = await eventually(lambda: _errored(ssh_health, kernel))
    assert "no_known_hosts" in detail["last_error"]
    assert not absent.exists() and sftp_server.logins == 0


async def _errored(ssh_health, kernel):
    detail = (await ssh_health(kernel))["servers"]["gs1"]
    return detail if detail["last_error"] else None


async def test_health_lists_configured_servers_and_the_webhook(ssh_kernel, ssh_health, monkeypatch):
    kernel = await ssh_kernel()
    detail = await ssh_health(kernel)
    assert detail["servers"] == {"gs1": {"connected": False, "last_poll": None, "last_error": None,
                                         "files_fetched": 0}}
    assert detail["webhook"] == "ready"
    monkeypatch.delenv("SLOMIX_WEBHOOK_SECRET")
    assert (await ssh_health(kernel))["webhook"] == "secret not configured (set SLOMIX_WEBHOOK_SECRET)"


async def test_idle_cadence_while_nobody_plays_and_fast_again_when_an_evening_opens(
        ssh_kernel, sftp_server, recorder, polling, eventually):
    kernel = await ssh_kernel(idle_poll_seconds=3600)
    async with polling(kernel):
        await kernel.broadcast("on_activity", active=False, reason="nobody in voice")
        await anyio.sleep(0.5)  # the first listing ran; the next one is an hour away
        sftp_server.write(STATS, b"a round\n", mtime=1_700_000_000)
        await anyio.sleep(1.0)  # five regular polls' time
        assert recorder.files == []
        await kernel.broadcast("on_activity", active=True, reason="6 people in voice")
        await eventually(lambda: recorder.files, within=5)
    assert [f.data for f in recorder.files] == [b"a round\n"]

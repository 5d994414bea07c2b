"""POST /api/ingest/round-end: signed reports are handed on and wake the poller; the rest is refused."""

from __future__ import annotations

import json
import time

import asyncpg
import pytest

from slomix_ssh import signing

pytestmark = pytest.mark.anyio

PATH = "/api/ingest/round-end"
END = int(time.time()) - 5


def report(**changes) -> bytes:
    body = {"map": "etl_adlernest", "round": 1, "round_start_unix": END - 300, "round_end_unix": END,
            "winner": 2, "defender": 1, "actual_duration_seconds": 280, "total_pause_seconds": 20,
            "pause_count": 1, "end_reason": "objective", "warmup_seconds": 40, "time_limit_minutes": 10,
            "surrender_team": 0, "surrender_caller_guid": None, "surrender_caller_name": None,
            "axis_score": 0, "allies_score": 1,
            "axis_players": [{"guid": "A" * 32, "name": "alpha"}],
            "allies_players": [{"guid": "B" * 32, "name": "bravo"}],
            "pauses": [{"n": 1, "start": END - 200, "end": END - 180, "sec": 20}],
            "spawn_stats": [{"guid": "A" * 32, "name": "alpha", "spawns": 3, "deaths": 2, "dead_seconds": 20,
                             "avg_respawn": 10.0, "max_respawn": 12}],
            "lua_version": "1.0.0"}
    body.update(changes)
    return json.dumps(body).encode()


async def post(client, body: bytes, secret: str, *, sent_at: float | None = None, **header_changes):
    """POST ``body`` signed with ``secret`` at ``sent_at``; ``timestamp=``/``signature=`` replace
    (or with None remove) a header."""
    headers = signing.headers(secret, int(time.time() if sent_at is None else sent_at), body)
    for key, value in header_changes.items():
        name = {"timestamp": signing.TIMESTAMP_HEADER, "signature": signing.SIGNATURE_HEADER}[key]
        if value is None:
            del headers[name]
        else:
            headers[name] = value
    return await client.post(PATH, content=body, headers=headers)


async def test_signed_report_is_handed_on_as_a_round_end_file(ssh_kernel, http_client, recorder, webhook_secret):
    kernel = await ssh_kernel(servers=[], http=True)
    client = await http_client(kernel)
    body = report()
    response = await post(client, body, webhook_secret)
    assert response.status_code == 202, response.text
    name = f"round-end-etl_adlernest-R1-{END}.json"
    assert response.json() == {"file": name, "outcomes": [
        {"plugin": "recorder", "status": "stored", "kind": "test", "detail": f"{len(body)} bytes"}]}
    [file] = recorder.files
    assert (file.name, file.data, file.source) == (name, body, "webhook")


async def test_map_names_are_reduced_to_file_name_characters(ssh_kernel, http_client, recorder, webhook_secret):
    client = await http_client(await ssh_kernel(servers=[], http=True))
    response = await post(client, report(map="te st/../x"), webhook_secret)
    assert response.status_code == 422  # a slash is no map name
    response = await post(client, report(map="te st.x"), webhook_secret)
    assert response.json()["file"] == f"round-end-te_st_x-R1-{END}.json"


REFUSALS = {
    "missing timestamp": ({"timestamp": None}, 401, "unsigned request: missing X-Slomix-Timestamp header"),
    "missing signature": ({"signature": None}, 401, "unsigned request: missing X-Slomix-Signature header"),
    "bad signature": ({"signature": "sha256=" + "0" * 64}, 401, "bad signature"),
    "signature of another body": ({"signature": signing.signature("test-webhook-secret", "1", b"{}")}, 401,
                                  "bad signature"),
    "timestamp not a number": ({"timestamp": "yesterday"}, 401, "X-Slomix-Timestamp must be unix seconds"),
    "stale timestamp": ({"stale": 301}, 401, "stale timestamp"),
    "timestamp from the future": ({"stale": -301}, 401, "stale timestamp"),
}


@pytest.mark.parametrize("case", REFUSALS)
async def test_unauthenticated_requests_are_refused_and_change_nothing(case, ssh_kernel, http_client, recorder,
                                                                       webhook_secret):
    kernel = await ssh_kernel(servers=[], http=True)
    client = await http_client(kernel)
    changes, status, reason = REFUSALS[case]
    changes = dict(changes)
    stale = changes.pop("stale", 0)
    response = await post(client, report(), webhook_secret, sent_at=time.time() - stale, **changes)
    assert response.status_code == status
    assert response.json()["error"].startswith(reason)
    assert recorder.files == []


@pytest.mark.parametrize(("body", "status", "reason"), [
    (b"{not json", 400, "body is not valid JSON"),
    (b"[1, 2]", 422, "invalid round-end report: Expected `object`, got `array`"),
    (report(round="one"), 422, "invalid round-end report: Expected `int`, got `str` - at `$.round`"),
    (report(round=0), 422, "invalid round-end report: Expected `int` >= 1 - at `$.round`"),
    (json.dumps({"round": 1, "round_end_unix": END}).encode(), 422,
     "invalid round-end report: Object missing required field `map`"),
])
async def test_signed_but_malformed_reports_are_refused(body, status, reason, ssh_kernel, http_client, recorder,
                                                        webhook_secret):
    client = await http_client(await ssh_kernel(servers=[], http=True))
    response = await post(client, body, webhook_secret)
    assert (response.status_code, response.json()["error"][:len(reason)]) == (status, reason)
    assert recorder.files == []


async def test_a_signed_report_nested_5000_deep_is_400_not_500(ssh_kernel, http_client, recorder, webhook_secret):
    client = await http_client(await ssh_kernel(servers=[], http=True))
    body = report()[:-1] + b', "extra": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    response = await post(client, body, webhook_secret)
    assert (response.status_code, response.json()) == (400, {"error": "body is not valid JSON: nested too deeply"})
    assert recorder.files == []


async def test_a_database_failure_while_storing_is_503_with_retry_after(ssh_kernel, http_client, recorder,
                                                                       webhook_secret):
    """Issue 13, defect 1: the database's failure is said as such; the game server sends the report again."""
    client = await http_client(await ssh_kernel(servers=[], http=True))
    recorder.error = asyncpg.exceptions.DiskFullError('could not extend file "base/5/1234": No space left on device')
    response = await post(client, report(), webhook_secret)
    assert response.status_code == 503 and response.headers["retry-after"] == "30"
    assert response.json()["error"] == ('the database failed: DiskFullError: could not extend file "base/5/1234": '
                                        "No space left on device")


async def test_a_report_every_plugin_quarantines_is_refused_with_their_reasons(
        ssh_kernel, http_client, recorder, webhook_secret):
    # What a report says beyond its round is for the plugins: here one refuses it.
    recorder.refuse = "$.end_reason: not an end reason"
    client = await http_client(await ssh_kernel(servers=[], http=True))
    response = await post(client, report(end_reason="rage quit"), webhook_secret)
    assert response.status_code == 422
    assert response.json() == {"error": "invalid round-end report: recorder: $.end_reason: not an end reason"}
    assert [f.name for f in recorder.files] == [f"round-end-etl_adlernest-R1-{END}.json"]


async def test_oversized_body_is_refused(ssh_kernel, http_client, recorder, webhook_secret):
    client = await http_client(await ssh_kernel(servers=[], http=True, webhook_max_bytes=2048))
    body = report(spawn_summary="x" * 3000)
    response = await post(client, body, webhook_secret)
    assert response.status_code == 413
    assert response.json() == {"error": "body larger than 2048 bytes"}

    async def chunks():  # no Content-Length: the limit holds while reading
        yield body[:1000]
        yield body[1000:]

    headers = signing.headers(webhook_secret, int(time.time()), body)
    response = await client.post(PATH, content=chunks(), headers=headers)
    assert response.status_code == 413
    assert recorder.files == []


async def test_without_a_secret_nothing_is_accepted(ssh_kernel, http_client, recorder, webhook_secret, monkeypatch):
    client = await http_client(await ssh_kernel(servers=[], http=True))
    monkeypatch.delenv("SLOMIX_WEBHOOK_SECRET")
    response = await post(client, report(), webhook_secret)
    assert response.status_code == 503
    assert response.json() == {"error": "webhook secret not configured"}
    response = await client.post(PATH, content=report())
    assert response.status_code == 503
    assert recorder.files == []


async def test_secret_reference_is_configurable(ssh_kernel, http_client, recorder, monkeypatch):
    monkeypatch.setenv("MY_SECRET", "other")
    client = await http_client(await ssh_kernel(servers=[], http=True, webhook_secret={"env": "MY_SECRET"}))
    assert (await post(client, report(), "test-webhook-secret")).status_code == 401
    assert (await post(client, report(), "other")).status_code == 202


async def test_webhook_makes_the_poller_fetch_at_once(ssh_kernel, http_client, recorder, webhook_secret,
                                                      sftp_server, polling, eventually):
    kernel = await ssh_kernel(http=True, poll_seconds=60)
    client = await http_client(kernel)
    poller_state = "SELECT last_poll FROM ssh.servers WHERE server = 'gs1'"
    async with polling(kernel):
        await eventually(lambda: kernel.db.pool.fetchval(poller_state))  # the first poll is done
        sftp_server.write("gamestats/2025-10-14-212214-etl_adlernest-round-1.txt", b"stats")
        started = time.monotonic()
        response = await post(client, report(), webhook_secret)
        assert response.status_code == 202
        await eventually(lambda: len(recorder.files) == 2, within=5)
        elapsed = time.monotonic() - started
    assert elapsed < 5  # far sooner than the 60 s cadence
    assert [f.source for f in recorder.files] == ["webhook", "ssh:gs1"]


async def test_route_is_documented(ssh_kernel, http_client, webhook_secret):
    client = await http_client(await ssh_kernel(servers=[], http=True))
    operation = (await client.get("/openapi.json")).json()["paths"][PATH]["post"]
    assert "X-Slomix-Signature" in operation["summary"]

"""The JSON routes, served by the HTTP adapter (skipped where only the plugin is installed)."""

from __future__ import annotations

import msgspec
import pytest

from slomix_stopwatch.models import SessionScore, SessionTeams

pytest.importorskip("slomix_http")
pytestmark = pytest.mark.anyio


async def test_score_and_teams_routes(make_kernel, http_client, stats_dir, feed, ask) -> None:
    kernel = await make_kernel(plugins={"stats", "stopwatch", "http"})
    await feed(kernel, sorted(stats_dir.glob("2025-10-12-*.txt")))
    client = await http_client(kernel)
    response = await client.get("/api/stopwatch/sessions/2025-10-12/score")
    assert response.status_code == 200
    score = msgspec.json.decode(response.content, type=SessionScore)
    assert score == (await ask(kernel, "!session_score 2025-10-12")).data
    body = response.json()
    assert body["score"] == "3\u20131" and body["session_start"] == "2025-10-12T21:18:04"
    assert [(m["map_name"], m["points_a"], m["points_b"], m["finished"]) for m in body["maps"]] == [
        ("etl_adlernest", 0, 0, False), ("te_escape2", 2, 0, True), ("sw_goldrush_te", 1, 1, True)]
    teams = await client.get("/api/stopwatch/sessions/latest/teams")
    assert teams.status_code == 200
    assert msgspec.json.decode(teams.content, type=SessionTeams) == (await ask(kernel, "!teams")).data
    by_start = await client.get("/api/stopwatch/sessions/2025-10-12-211804/teams")
    assert by_start.json() == teams.json()
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert "/api/stopwatch/sessions/{date}/score" in paths and "/api/stopwatch/sessions/{date}/teams" in paths


async def test_routes_answer_404_and_422(make_kernel, http_client) -> None:
    kernel = await make_kernel(plugins={"stats", "stopwatch", "http"})
    client = await http_client(kernel)
    missing = await client.get("/api/stopwatch/sessions/2025-10-12/score")
    assert (missing.status_code, missing.json()) == (404, {"error": "no gaming session on 2025-10-12"})
    bad = await client.get("/api/stopwatch/sessions/someday/teams")  # the documented pattern refuses it
    assert bad.status_code == 422 and "path.date" in bad.json()["error"]
    no_such_day = await client.get("/api/stopwatch/sessions/2025-02-30/score")
    assert (no_such_day.status_code, no_such_day.json()) == (
        404, {"error": "no gaming session on 2025-02-30: there is no such day"})
    documented = (await client.get("/openapi.json")).json()["paths"]["/api/stopwatch/sessions/{date}/score"]
    assert documented["get"]["parameters"][0]["schema"]["pattern"].startswith("^(latest|last|")

"""Demos in over HTTP: streamed multipart upload of real demos, the same bytes twice are one demo,
and every hostile upload is refused with a 4xx naming the problem, storing nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from greatshot_helpers import csrf, sign_in

pytestmark = pytest.mark.anyio

DEMO = "demo01_legacy.tv_84"


async def stored(kernel) -> tuple[int, list[Path]]:
    count = await kernel.db.pool.fetchval("SELECT count(*) FROM greatshot.demos")
    root = kernel.config.data_dir / "greatshot"
    files = sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []
    return count, files


async def test_real_demos_upload_and_the_same_bytes_twice_are_one_demo(greatshot_site, shared_data) -> None:
    client = await greatshot_site()
    demos = shared_data / "demos"
    names = [DEMO, "scores_test.dm_84", "etpro_capture_test.dm_84"]
    response = await client.post("/api/greatshot/demos", files=[
        ("demo", (name, (demos / name).read_bytes(), "application/octet-stream")) for name in names])
    assert response.status_code == 201, response.text
    found = response.json()["demos"]
    assert [d["filename"] for d in found] == names
    assert [d["sha256"] for d in found] == [hashlib.sha256((demos / n).read_bytes()).hexdigest() for n in names]
    assert [d["duplicate"] for d in found] == [False] * 3
    assert all(d["job_id"] for d in found)
    # Stored under the data dir by content hash, byte for byte.
    first = client.kernel.config.data_dir / "greatshot" / "demos" / found[0]["sha256"][:2] / found[0]["sha256"]
    assert (first / "original.tv_84").read_bytes() == (demos / DEMO).read_bytes()
    # The analysis was queued as a kernel job at the upload's priority, enqueued by the uploader.
    job = await client.kernel.jobs.get(found[0]["job_id"])
    assert (job.kind, job.priority, job.enqueued_by, job.status) == ("greatshot.analyse", 10, "discord:42", "queued")

    again = await client.post("/api/greatshot/demos", files=[
        ("demo", ("renamed.tv_84", (demos / DEMO).read_bytes(), "application/octet-stream"))])
    assert again.status_code == 200
    [dup] = again.json()["demos"]
    assert (dup["id"], dup["duplicate"], dup["filename"]) == (found[0]["id"], True, DEMO)
    count, files = await stored(client.kernel)
    assert count == 3 and len(files) == 3

    listed = (await client.get("/api/greatshot/demos")).json()
    assert [d["filename"] for d in listed] == names[::-1]
    assert {d["uploader"] for d in listed} == {"discord:42"}


def _zip() -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("inside.dm_84", b"x" * 100)
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "make", "status", "message"), [
    ("../../etc/passwd.dm_84", lambda real: real, None, None),  # the path is dropped: a base name is kept
    ("empty.dm_84", lambda real: b"", 400, "empty.dm_84: the file is empty (0 bytes)"),
    ("notes.dm_84", lambda real: b"just some text, renamed\n" * 40, 422, "notes.dm_84: not a demo: record 0"),
    ("cut.dm_84", lambda real: real[:50_000], 422, "cut.dm_84: truncated: record"),
    ("demos.zip", lambda real: _zip(), 415, "demos.zip: not a demo: the extension must be .dm_84 or .tv_84"),
    ("zipped.dm_84", lambda real: _zip(), 415, "zipped.dm_84: this is a zip archive, not a demo"),
    ("demo.txt", lambda real: real, 415, "demo.txt: not a demo: the extension must be"),
])
async def test_hostile_uploads_are_refused_and_store_nothing(greatshot_site, shared_data, name, make, status,
                                                             message) -> None:
    client = await greatshot_site()
    real = (shared_data / "demos" / "scores_test.dm_84").read_bytes()
    response = await client.post("/api/greatshot/demos", files=[("demo", (name, make(real), "x"))])
    if status is None:  # a traversal name: stored under our own path, shown by its base name only
        assert response.status_code == 201
        assert response.json()["demos"][0]["filename"] == "passwd.dm_84"
        _, files = await stored(client.kernel)
        assert [f.name for f in files] == ["original.dm_84"]
        return
    assert response.status_code == status, response.text
    assert message in response.json()["error"]
    assert await stored(client.kernel) == (0, [])


async def test_one_bad_file_refuses_the_whole_request(greatshot_site, shared_data) -> None:
    client = await greatshot_site()
    real = (shared_data / "demos" / "scores_test.dm_84").read_bytes()
    response = await client.post("/api/greatshot/demos", files=[
        ("demo", ("good.dm_84", real, "application/octet-stream")),
        ("demo", ("bad.dm_84", real[:1000], "application/octet-stream"))])
    assert response.status_code == 422
    assert "bad.dm_84: truncated" in response.json()["error"]
    assert await stored(client.kernel) == (0, [])


async def test_nul_in_a_name_over_the_limit_too_many_files_and_no_file(greatshot_site, shared_data) -> None:
    client = await greatshot_site(settings={"max_upload_bytes": 110_000, "max_files_per_request": 2})
    real = (shared_data / "demos" / "scores_test.dm_84").read_bytes()  # 125 837 bytes
    small = (shared_data / "demos" / "etpro_capture_test.dm_84").read_bytes()  # 107 868 bytes
    # Built by hand: a client library would escape the NUL in the file name.
    body = (b'--B\r\nContent-Disposition: form-data; name="demo"; filename="a\x00b.dm_84"\r\n\r\n' + small
            + b"\r\n--B--\r\n")
    nul = await client.post("/api/greatshot/demos", content=body,
                            headers={"content-type": "multipart/form-data; boundary=B"})
    assert nul.status_code == 422 and "NUL" in nul.json()["error"]
    big = await client.post("/api/greatshot/demos", files=[("demo", ("big.dm_84", real, "application/octet-stream"))])
    assert big.status_code == 413 and "'big.dm_84'" in big.json()["error"] and "110000" in big.json()["error"]
    many = await client.post("/api/greatshot/demos", files=[
        ("demo", (f"{i}.dm_84", small, "application/octet-stream")) for i in range(3)])
    assert many.status_code == 400 and "more than 2 file(s)" in many.json()["error"]
    none = await client.post("/api/greatshot/demos", data={"title": "no file"}, files=[("other", ("x", b"x"))])
    assert none.status_code == 400 and "field `demo`" in none.json()["error"]
    assert await stored(client.kernel) == (0, [])


async def test_signed_in_only_and_csrf(greatshot_site, shared_data) -> None:
    client = await greatshot_site(user=None)
    real = (shared_data / "demos" / "scores_test.dm_84").read_bytes()
    response = await client.post("/api/greatshot/demos", files=[("demo", ("a.dm_84", real, "x"))])
    assert response.status_code in (401, 403)
    assert await stored(client.kernel) == (0, [])


async def test_rate_limit_quota_and_free_disk(greatshot_site, shared_data) -> None:
    real = (shared_data / "demos" / "scores_test.dm_84").read_bytes()
    other = (shared_data / "demos" / "etpro_capture_test.dm_84").read_bytes()
    client = await greatshot_site(settings={"uploads_per_hour": 1})
    first = await client.post("/api/greatshot/demos", files=[("demo", ("a.dm_84", real, "application/octet-stream"))])
    assert first.status_code == 201
    second = await client.post("/api/greatshot/demos", files=[("demo", ("b.dm_84", other, "application/octet-stream"))])
    assert second.status_code == 429 and "1 demo uploads an hour" in second.json()["error"]

    client = await greatshot_site(settings={"quota_bytes": len(real) + 10})
    assert (await client.post("/api/greatshot/demos", files=[("demo", ("a.dm_84", real, "x"))])).status_code == 201
    over = await client.post("/api/greatshot/demos", files=[("demo", ("b.dm_84", other, "x"))])
    assert over.status_code == 413 and "over your storage quota" in over.json()["error"]

    client = await greatshot_site(settings={"free_disk_factor": 1e15})
    full = await client.post("/api/greatshot/demos", files=[("demo", ("a.dm_84", real, "x"))])
    assert full.status_code == 507 and "not enough free disk" in full.json()["error"]
    count, files = await stored(client.kernel)  # the data dir is the test's: the same demo the first two stored
    assert (count, len(files)) == (0, 1)


async def test_the_uploader_or_an_admin_cancels_a_demos_jobs(greatshot_site, shared_data) -> None:
    client = await greatshot_site(slomix={"root_users": ["discord:99"]})
    real = (shared_data / "demos" / "scores_test.dm_84").read_bytes()
    other = (shared_data / "demos" / "etpro_capture_test.dm_84").read_bytes()
    [mine] = (await client.post("/api/greatshot/demos", files=[("demo", ("a.dm_84", real, "x"))])).json()["demos"]
    [second] = (await client.post("/api/greatshot/demos", files=[("demo", ("b.dm_84", other, "x"))])).json()["demos"]
    sign_in(client, "43", "someone else")
    client.headers["x-csrf-token"] = await csrf(client)
    refused = await client.post(f"/api/greatshot/demos/{mine['id']}/cancel")
    assert refused.status_code == 403 and "only the uploader or an admin" in refused.json()["error"]
    sign_in(client, "42", "player42")
    client.headers["x-csrf-token"] = await csrf(client)
    done = await client.post(f"/api/greatshot/demos/{mine['id']}/cancel")
    assert done.json() == {"demo_id": mine["id"], "cancelled_jobs": [mine["job_id"]]}
    assert (await client.kernel.jobs.get(mine["job_id"])).status == "cancelled"
    detail = (await client.get(f"/api/greatshot/demos/{mine['id']}")).json()
    assert detail["demo"]["status"] == "cancelled" and detail["jobs"][0]["status"] == "cancelled"
    sign_in(client, "99", "the admin")
    client.headers["x-csrf-token"] = await csrf(client)
    assert (await client.post(f"/api/greatshot/demos/{second['id']}/cancel")).json()["cancelled_jobs"] == [
        second["job_id"]]
    assert (await client.post("/api/greatshot/demos/999/cancel")).status_code == 404


async def test_the_json_routes_are_in_the_openapi_document(greatshot_site) -> None:
    client = await greatshot_site(user=None)
    paths = (await client.get("/openapi.json")).json()["paths"]
    assert {"/api/greatshot/demos", "/api/greatshot/demos/{demo_id}", "/api/greatshot/demos/{demo_id}/cancel",
            "/api/greatshot/demos/{demo_id}/link", "/api/greatshot/highlights",
            "/api/greatshot/highlights/{highlight_id}/clip", "/api/greatshot/highlights/{highlight_id}/video",
            "/api/greatshot/topshots/{category}"} <= set(paths)
    assert "post" in paths["/api/greatshot/demos"] and "get" in paths["/api/greatshot/demos"]
    board = await client.get("/api/greatshot/topshots/nonsense")
    assert board.status_code == 404 and "one of multikills, sprees" in board.json()["error"]
    assert (await client.get("/api/greatshot/demos/12x")).status_code == 404
    assert (await client.get("/api/greatshot/highlights/5/video")).status_code == 404

"""The kernel's web contract served through the adapter: Request, forms and uploads, files, errors, NUL."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from slomix.kernel import (
    FileResponse,
    Forbidden,
    JSONResponse,
    Redirect,
    Request,
    Response,
    Route,
    TooManyRequests,
    hookimpl,
)

pytestmark = pytest.mark.anyio

MIB = 1024 * 1024


class Contract:
    """Routes that use every part of the contract; ``seen`` records what handlers saw."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.seen: dict[str, object] = {}

    @hookimpl
    def on_http_route(self, kernel):
        async def upload(request: Request) -> dict:
            form = await request.form(max_part_bytes=MIB, max_files=2)
            self.seen["files"] = [(f.path, f.path.exists()) for f in form.files]
            return {"title": form.get("title"),
                    "files": [{"field": f.field, "filename": f.filename, "type": f.content_type, "size": f.size,
                               "sha256": f.sha256, "read": hashlib.sha256(f.path.read_bytes()).hexdigest()}
                              for f in form.files]}

        async def echo(request: Request) -> dict:
            self.seen["request"] = request
            return {"method": request.method, "path": request.path, "client": request.client,
                    "token": request.headers.get("x-token"), "query": request.query,
                    "params": request.path_params, "actor": request.actor.id}

        async def chunks(request: Request) -> dict:
            sizes = [len(chunk) async for chunk in request.stream(limit=1000)]
            return {"bytes": sum(sizes)}

        async def video(request: Request) -> FileResponse:
            name = request.path_params["name"]
            return FileResponse(self.folder / name, content_type="video/mp4", filename=f"clip {name}",
                                inline=request.query.get("inline") == "1")

        async def refuse(request: Request) -> dict:
            kind = request.path_params["kind"]
            if kind == "forbidden":
                raise Forbidden("not yours")
            raise TooManyRequests("one render at a time", headers={"retry-after": "30"})

        async def answers(request: Request) -> JSONResponse | Redirect | Response:
            kind = request.path_params["kind"]
            if kind == "json":
                return JSONResponse({"queued": 1}, status=202, headers={"location": "/jobs/1"})
            if kind == "redirect":
                return Redirect("/elsewhere", status=307)
            return Response("plain words", status=201, content_type="text/plain; charset=utf-8")

        return [
            Route("POST", "/api/contract/upload", upload, csrf=False, max_body=3 * MIB),
            Route("GET", "/api/contract/echo/{name}", echo),
            Route("POST", "/api/contract/chunks", chunks, csrf=False),
            Route("GET", "/api/contract/files/{name}", video),
            Route("GET", "/api/contract/refuse/{kind}", refuse),
            Route("GET", "/api/contract/answers/{kind}", answers),
        ]


@pytest.fixture
async def contract(make_kernel, http_client, tmp_path):
    plugin = Contract(tmp_path)
    kernel = await make_kernel(plugins={"http"}, extra={"contract": ("plugin", plugin)},
                               config={"adapters": {"http": {"rate_limit": {"enabled": False}}}})
    client = await http_client(kernel)
    return client, plugin


async def test_request_carries_the_callers_view(contract) -> None:
    client, _ = contract
    response = await client.get("/api/contract/echo/mp40?map=supply&map=goldrush", headers={"x-token": "t1"})
    assert response.json() == {"method": "GET", "path": "/api/contract/echo/mp40", "client": "127.0.0.1",
                               "token": "t1", "query": {"map": "goldrush"}, "params": {"name": "mp40"},
                               "actor": "http:anonymous"}


@pytest.mark.parametrize(("path", "headers", "where"), [
    ("/api/contract/echo/a%00b", {}, "path.name"),
    ("/api/contract/echo/mp40?map=sup%00ply", {}, "query.map"),
    ("/api/contract/echo/mp40?ma%00p=1", {}, "query"),
])
async def test_nul_anywhere_in_the_input_is_422_naming_where(contract, path, headers, where) -> None:
    client, _ = contract
    response = await client.get(path, headers=headers)
    assert response.status_code == 422
    assert response.json() == {"error": f"NUL characters are not allowed - at `{where}`"}


async def test_a_multipart_upload_is_streamed_to_disk_and_removed_after_the_answer(contract) -> None:
    client, plugin = contract
    demo = bytes(range(256)) * 4096  # 1 MiB exactly
    response = await client.post("/api/contract/upload", data={"title": "final"}, files=[
        ("demo", ("../../etc/passwd.dm_84", demo, "application/octet-stream")),
        ("thumb", ("t.png", b"\x89PNG", "image/png"))])
    assert response.status_code == 200, response.text
    digest = hashlib.sha256(demo).hexdigest()
    assert response.json() == {"title": "final", "files": [
        {"field": "demo", "filename": "passwd.dm_84", "type": "application/octet-stream", "size": len(demo),
         "sha256": digest, "read": digest},
        {"field": "thumb", "filename": "t.png", "type": "image/png", "size": 4,
         "sha256": hashlib.sha256(b"\x89PNG").hexdigest(), "read": hashlib.sha256(b"\x89PNG").hexdigest()}]}
    assert [exists for _path, exists in plugin.seen["files"]] == [True, True]
    assert not any(path.exists() for path, _exists in plugin.seen["files"])


@pytest.mark.parametrize(("files", "data", "status", "message"), [
    ([("demo", ("big.dm_84", b"x" * (MIB + 1), "application/octet-stream"))], {}, 413,
     "form file 'big.dm_84' 'demo' is larger than 1048576 bytes"),
    ([("a", ("a", b"1", "text/plain")), ("b", ("b", b"2", "text/plain")), ("c", ("c", b"3", "text/plain"))], {},
     400, "more than 2 file(s) in the form"),
    ([("demo", ("x", b"1", "text/plain"))], {"title": "a\x00b"}, 422,
     "NUL characters are not allowed - at `form.title`"),
])
async def test_form_limits_and_refusals(contract, files, data, status, message) -> None:
    client, _ = contract
    response = await client.post("/api/contract/upload", data=data, files=files)
    assert (response.status_code, response.json()) == (status, {"error": message})


async def test_the_route_limit_holds_for_the_whole_request_and_other_types_are_415(contract) -> None:
    client, _ = contract
    files = [("a", ("a", b"x" * (MIB - 10), "text/plain")), ("b", ("b", b"y" * (MIB - 10), "text/plain"))] * 2
    response = await client.post("/api/contract/upload", files=files)
    assert response.status_code == 413
    response = await client.post("/api/contract/upload", json={"title": "x"})
    assert response.status_code == 415
    assert response.json()["error"].startswith("send the form as multipart/form-data")
    response = await client.post("/api/contract/upload", data={"title": "plain"})
    assert response.json() == {"title": "plain", "files": []}


async def test_stream_reads_chunks_under_its_limit(contract) -> None:
    client, _ = contract

    async def body(count: int):
        for _ in range(count):
            yield b"x" * 300

    assert (await client.post("/api/contract/chunks", content=body(3))).json() == {"bytes": 900}
    refused = await client.post("/api/contract/chunks", content=body(4))
    assert (refused.status_code, refused.json()) == (413, {"error": "body larger than 1000 bytes"})


async def test_a_file_is_served_with_ranges_etag_and_its_disposition(contract, tmp_path) -> None:
    client, _ = contract
    (tmp_path / "r1.mp4").write_bytes(bytes(range(100)))
    whole = await client.get("/api/contract/files/r1.mp4")
    assert whole.status_code == 200 and whole.content == bytes(range(100))
    assert whole.headers["content-type"] == "video/mp4" and whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["content-disposition"] == "attachment; filename*=utf-8''clip%20r1.mp4"
    part = await client.get("/api/contract/files/r1.mp4", headers={"range": "bytes=10-19"})
    assert part.status_code == 206 and part.content == bytes(range(10, 20))
    assert part.headers["content-range"] == "bytes 10-19/100"
    again = await client.get("/api/contract/files/r1.mp4", headers={"if-none-match": whole.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    inline = await client.get("/api/contract/files/r1.mp4?inline=1")
    assert inline.headers["content-disposition"].startswith("inline;")
    gone = await client.get("/api/contract/files/r2.mp4")
    assert (gone.status_code, gone.json()) == (404, {"error": "r2.mp4 is not there any more"})


async def test_typed_errors_become_statuses_with_their_headers(contract) -> None:
    client, _ = contract
    forbidden = await client.get("/api/contract/refuse/forbidden")
    assert (forbidden.status_code, forbidden.json()) == (403, {"error": "not yours"})
    slow = await client.get("/api/contract/refuse/busy")
    assert (slow.status_code, slow.json(), slow.headers["retry-after"]) == (
        429, {"error": "one render at a time"}, "30")


async def test_explicit_responses(contract) -> None:
    client, _ = contract
    queued = await client.get("/api/contract/answers/json")
    assert (queued.status_code, queued.json(), queued.headers["location"]) == (202, {"queued": 1}, "/jobs/1")
    moved = await client.get("/api/contract/answers/redirect", follow_redirects=False)
    assert (moved.status_code, moved.headers["location"]) == (307, "/elsewhere")
    plain = await client.get("/api/contract/answers/plain")
    assert (plain.status_code, plain.text, plain.headers["content-type"]) == (
        201, "plain words", "text/plain; charset=utf-8")

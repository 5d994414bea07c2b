"""Greatshot: a real upload of demo01_legacy.tv_84 to its highlights ready (target <= 2 s), top-down
render speed (target >= 4x real time at 640x640 on one core), five concurrent uploads (0 errors), and
the server's peak memory while a 200 MB demo streams in (target <= 100 MB).

One process: a kernel with stats, greatshot and the HTTP adapter on a fresh embedded database,
served by uvicorn on loopback; the client streams each body from disk.
Run: .venv/bin/python benchmarks/bench_greatshot.py [big_mb]   (default 200; 0 skips the big upload)
"""

from __future__ import annotations

import base64
import json
import os
import re
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

import anyio
import httpx2
import itsdangerous

from slomix.kernel import Config, Kernel
from slomix.kernel.jobs.worker import work
from slomix.testing.plugin import find_shared_data
from slomix_http.testing import serve

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-greatshot"
BOUNDARY = "benchboundary"


def cookie() -> str:
    payload = base64.b64encode(json.dumps({"user": {"id": "7", "name": "bench"}}).encode())
    return itsdangerous.TimestampSigner(SECRET).sign(payload).decode()


def body(path: Path, name: str):
    """A multipart body streamed from the file in 1 MiB chunks."""
    async def chunks():
        yield (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="demo"; filename="{name}"\r\n'
               "Content-Type: application/octet-stream\r\n\r\n").encode()
        async with await anyio.open_file(path, "rb") as stream:
            while chunk := await stream.read(1 << 20):
                yield chunk
        yield f"\r\n--{BOUNDARY}--\r\n".encode()

    return chunks()


def copies(source: Path, times: int, out: Path) -> Path:
    """A valid demo: ``source`` back to back ``times`` times (each copy opens with its own gamestate)."""
    data = source.read_bytes()
    end = data.rfind((-1).to_bytes(4, "little", signed=True) * 2)
    part = data[:end] if end == len(data) - 8 else data
    with out.open("wb") as stream:
        for _ in range(times):
            stream.write(part)
    return out


def rss_mb() -> float:
    """This process's resident memory now (the peak counter would keep the earlier steps' peaks)."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * resource.getpagesize() / 2**20


async def main(big_mb: int) -> None:
    shared = find_shared_data(ROOT)
    demos = shared / "demos"
    folder = ROOT / ".bench"
    folder.mkdir(exist_ok=True)
    data_dir = Path(tempfile.mkdtemp(prefix="slomix-greatshot-", dir=folder))
    os.environ["SLOMIX_SESSION_SECRET"] = SECRET
    config = {"slomix": {"data_dir": str(data_dir)}, "adapters": {"http": {"rate_limit": {"enabled": False}}},
              "plugins": {"greatshot": {"render_top": 10, "uploads_per_hour": 100}}}
    kernel = Kernel(Config(config), only={"stats", "greatshot", "http"})
    try:
        async with kernel:
            app = await kernel.first("on_asgi_app")
            async with serve(app) as url, httpx2.AsyncClient(base_url=url, timeout=300) as client:
                client.cookies.set("slomix_session", cookie())
                page = await client.get("/greatshot", headers={"accept": "text/html"})
                token = re.search(r'<meta name="csrf-token" content="([^"]+)">', page.text).group(1)
                headers = {"x-csrf-token": token, "content-type": f"multipart/form-data; boundary={BOUNDARY}",
                           "origin": url}

                async def upload(path: Path, name: str) -> httpx2.Response:
                    return await client.post("/api/greatshot/demos", content=body(path, name), headers=headers)

                async with anyio.create_task_group() as workers:
                    workers.start_soon(work, kernel, ["greatshot"], 2)
                    await anyio.sleep(1)  # the workers listen
                    await highlights_ready(kernel, upload, demos / "demo01_legacy.tv_84")
                    await render_speed(kernel)
                    await concurrent(kernel, upload, demos, data_dir)
                    workers.cancel_scope.cancel()
                if big_mb:  # no worker: the upload's own memory
                    await big_upload(kernel, upload, demos, data_dir, big_mb)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


async def highlights_ready(kernel: Kernel, upload, path: Path) -> None:
    size = (await anyio.Path(path).stat()).st_size
    started = time.perf_counter()
    response = await upload(path, path.name)
    demo_id = response.json()["demos"][0]["id"]
    uploaded = time.perf_counter() - started
    while await kernel.db.pool.fetchval("SELECT status FROM greatshot.demos WHERE id = $1", demo_id) != "analysed":  # noqa: ASYNC110
        await anyio.sleep(0.01)
    ready = time.perf_counter() - started
    count = await kernel.db.pool.fetchval("SELECT count(*) FROM greatshot.highlights WHERE demo_id = $1", demo_id)
    print(f"greatshot: {path.name} ({size / 1e6:.1f} MB) uploaded in {uploaded:.2f} s, "
          f"{count} highlights ready {ready:.2f} s after the upload began (target <= 2 s)")
    while await kernel.db.pool.fetchval(  # noqa: ASYNC110
            "SELECT count(*) FROM slomix.jobs WHERE status IN ('queued', 'running')"):
        await anyio.sleep(0.05)
    print(f"greatshot: its clips and videos done {time.perf_counter() - started:.2f} s after the upload began")


async def render_speed(kernel: Kernel) -> None:
    """CPU time of rendering every highlight of the demo again (frames, MP4 and WebP; x264 on one thread)."""
    from slomix_greatshot import pipeline
    from slomix_greatshot.render import encode
    from slomix_greatshot.render.frames import times

    service = kernel.pm.get_plugin("greatshot").service
    rows = await kernel.db.pool.fetch("SELECT id FROM greatshot.highlights ORDER BY id")
    seconds = cpu = 0.0
    for r in rows:
        row = await pipeline.highlight_row(service, r["id"])
        start, end = row["clip_start_ms"], row["clip_end_ms"]
        scene = await pipeline.scene_for(service, row, start, end)
        began = time.process_time()
        frames = [scene.frame(t) for t in times(start, end, 20)]
        out = Path(tempfile.mkdtemp()) / "bench.mp4"
        encode.mp4(iter(frames), out, fps=20, size=640)
        encode.webp(frames[::2], out.with_suffix(".webp"), fps=10, size=320)
        cpu += time.process_time() - began
        seconds += (end - start) / 1000
        shutil.rmtree(out.parent)
    print(f"greatshot: rendered {len(rows)} clips ({seconds:.1f} s of play) at 640x640 20 fps in {cpu:.2f} s CPU "
          f"= {seconds / cpu:.1f}x real time (target >= 4x)")


async def concurrent(kernel: Kernel, upload, demos: Path, data_dir: Path) -> None:
    paths = [copies(demos / "scores_test.dm_84", n, data_dir / f"copy{n}.dm_84") for n in range(1, 6)]
    results: list[int] = []
    started = time.perf_counter()

    async def one(path: Path) -> None:
        results.append((await upload(path, path.name)).status_code)

    async with anyio.create_task_group() as tg:
        for path in paths:
            tg.start_soon(one, path)
    errors = sum(1 for status in results if status != 201)
    print(f"greatshot: 5 concurrent uploads in {time.perf_counter() - started:.2f} s, {errors} errors "
          f"(statuses {sorted(results)})")


async def big_upload(kernel: Kernel, upload, demos: Path, data_dir: Path, megabytes: int) -> None:
    source = demos / "demo01_legacy.tv_84"
    times = max(1, megabytes * 1_000_000 // (await anyio.Path(source).stat()).st_size)
    path = copies(source, times, data_dir / "big.tv_84")
    size = (await anyio.Path(path).stat()).st_size
    before = peak = rss_mb()
    started = time.perf_counter()
    async with anyio.create_task_group() as tg:
        async def sample() -> None:
            nonlocal peak
            while True:
                peak = max(peak, rss_mb())
                await anyio.sleep(0.02)

        tg.start_soon(sample)
        response = await upload(path, "big.tv_84")
        tg.cancel_scope.cancel()
    elapsed = time.perf_counter() - started
    print(f"greatshot: a {size / 1e6:.0f} MB upload answered {response.status_code} in {elapsed:.1f} s; "
          f"resident memory grew at most {peak - before:.0f} MB over {before:.0f} MB (sampled every 20 ms, "
          "client and server in this process; target <= 100 MB)")


if __name__ == "__main__":
    anyio.run(main, int(sys.argv[1]) if len(sys.argv) > 1 else 200)

"""The job chain on kernel jobs: analyse -> (highlights) -> clip and render.

``greatshot.analyse`` parses the demo (progress: percent of bytes parsed), stores its players and
kills, detects the highlights with their clip windows, and queues a clip and a render for each
of the best; ``greatshot.clip`` cuts one window to ``.dm_84`` (from an ETTV demo, from the
highlight player's point of view); ``greatshot.render`` draws the same window top-down to MP4
and WebP from the stored positions (progress: frames rendered), so it never waits for the cut.
Each is restart-safe: it rewrites only its own files and commits its rows with ``job.once``.
"""

from __future__ import annotations

import json
import logging
import math
import shlex
from typing import TYPE_CHECKING, Any

import anyio
import anyio.from_thread
from PIL import Image

from slomix.kernel import Announcement, JobKind

from . import announce, linking, tracks
from .demo import Demo, DemoError, Kill, cut, parse
from .highlights import detect
from .render import encode
from .render.footprint import Bounds, footprint
from .render.frames import BACKGROUND, Scene, times
from .service import PRIORITY_UPLOAD, Greatshot

if TYPE_CHECKING:
    from collections.abc import Callable

    from slomix.kernel.jobs import Job

log = logging.getLogger("slomix.greatshot")
QUEUE = "greatshot"


def kinds(get: Callable[[], Greatshot]) -> list[JobKind]:
    settings = get().settings

    async def analyse_job(job: Job) -> None:
        await analyse(get(), job)

    async def clip_job(job: Job) -> None:
        await clip(get(), job)

    async def render_job(job: Job) -> None:
        await render(get(), job)

    async def game_render_job(job: Job) -> None:
        await game_render(get(), job)

    return [
        JobKind("greatshot.analyse", analyse_job, queue=QUEUE, timeout=settings.analyse_timeout_seconds, retries=2,
                priority=PRIORITY_UPLOAD, backoff_seconds=2),
        JobKind("greatshot.clip", clip_job, queue=QUEUE, timeout=settings.analyse_timeout_seconds, retries=2,
                priority=PRIORITY_UPLOAD, backoff_seconds=2),
        JobKind("greatshot.render", render_job, queue=QUEUE, timeout=settings.render_timeout_seconds, retries=1,
                priority=PRIORITY_UPLOAD, backoff_seconds=2),
        JobKind("greatshot.game_render", game_render_job, queue=QUEUE,
                timeout=settings.render_command_timeout_seconds + 30, retries=1, priority=PRIORITY_UPLOAD,
                backoff_seconds=2),
    ]


def reporter(job: Job, start: float, span: float, message: str) -> Callable[[int, int], None]:
    """A progress callback for a worker thread: ``done`` of ``total`` maps to start..start+span
    percent, reported at most once per percent."""
    last = [-1]

    def report(done: int, total: int) -> None:
        percent = start + span * done / max(1, total)
        if math.floor(percent) > last[0]:
            last[0] = math.floor(percent)
            anyio.from_thread.run(job.progress, percent, message)

    return report


def counted_kills(demo: Demo) -> list[Kill]:
    """The kills that happened while the match was being played (warmup ones do not count)."""
    playing = [(p.start_ms, p.phase) for p in demo.phases]
    if not any(phase == "playing" for _, phase in playing):
        return list(demo.kills)

    def phase_at(t: int) -> str:
        current = playing[0][1]
        for start, phase in playing:
            if start <= t:
                current = phase
        return current

    return [k for k in demo.kills if phase_at(k.time_ms) == "playing"]


# -- analyse ------------------------------------------------------------------------------------


async def analyse(service: Greatshot, job: Job) -> None:
    demo_id = job.payload["demo_id"]
    row = await service.db.fetchrow("SELECT id, sha256, path, filename, status FROM greatshot.demos WHERE id = $1",
                                    demo_id)
    if row is None:
        return
    if row["status"] == "analysed" and job.attempt > 1:
        # An earlier attempt committed the analysis and stopped before queueing what follows.
        await queue_clips(service, demo_id, job)
        return
    await service.db.execute("UPDATE greatshot.demos SET status = 'analysing', error = NULL WHERE id = $1", demo_id)
    path = service.storage.absolute(row["path"])
    try:
        demo = await anyio.to_thread.run_sync(
            lambda: parse(path, positions=True, progress=reporter(job, 0, 90, "parsing")))
    except DemoError as error:
        # The file itself is bad: retrying cannot help, so the demo fails and the job ends.
        await service.db.execute("UPDATE greatshot.demos SET status = 'failed', error = $2 WHERE id = $1",
                                 demo_id, f"{row['filename']}: {error}")
        return
    kills = counted_kills(demo)
    teams = {p.client: p.team for p in demo.players}
    moments = detect(kills, teams=teams, spawns=tracks.spawns(demo.positions, kills),
                     thresholds=service.settings.thresholds)
    folder = service.storage.absolute(service.storage.demo_dir(row["sha256"]))
    bounds, ground = footprint(demo.positions)

    def write_files() -> None:
        folder.mkdir(parents=True, exist_ok=True)
        tracks.save(folder / "positions.npz", demo.positions)
        ground.save(folder / "footprint.png")

    await anyio.to_thread.run_sync(write_files)
    await job.progress(95, "storing")
    async with service.db.acquire() as conn, job.once(conn):
        await store_analysis(conn, demo_id, demo, kills, moments, bounds,
                             (service.settings.clip_before_ms, service.settings.clip_after_ms))
    await link(service, demo_id, demo)
    await queue_clips(service, demo_id, job)


async def store_analysis(conn: Any, demo_id: int, demo: Demo, kills: list[Kill], moments: list[Any],
                         bounds: Bounds, margins: tuple[int, int]) -> None:
    await conn.execute("DELETE FROM greatshot.highlights WHERE demo_id = $1", demo_id)
    await conn.execute("DELETE FROM greatshot.kills WHERE demo_id = $1", demo_id)
    await conn.execute("DELETE FROM greatshot.players WHERE demo_id = $1", demo_id)
    tally: dict[int, list[int]] = {p.client: [0, 0, 0] for p in demo.players}
    for kill in kills:
        if kill.attacker in tally and kill.attacker != kill.victim and kill.attacker_team != kill.victim_team:
            tally[kill.attacker][0] += 1
            tally[kill.attacker][2] += bool(kill.headshot)
        if kill.victim in tally:
            tally[kill.victim][1] += 1
    await conn.executemany(
        """INSERT INTO greatshot.players (demo_id, client, name, team, guid, kills, deaths, headshots)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
        [(demo_id, p.client, p.name, p.team, p.guid, *tally[p.client]) for p in demo.players])
    await conn.executemany(
        """INSERT INTO greatshot.kills (demo_id, seq, time_ms, attacker, victim, attacker_name, victim_name, weapon,
                                        mod, headshot, attacker_team, victim_team, ax, ay, vx, vy, distance)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)""",
        [(demo_id, i, k.time_ms, k.attacker, k.victim, k.attacker_name, k.victim_name, k.weapon, k.mod_id,
          bool(k.headshot), k.attacker_team, k.victim_team, *_xy(k.attacker_pos), *_xy(k.victim_pos),
          _distance(k)) for i, k in enumerate(kills)])
    await conn.executemany(
        """INSERT INTO greatshot.highlights (demo_id, kind, client, player, start_ms, end_ms, score, kills, headshots,
                                             map_name, detail, clip_start_ms, clip_end_ms)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT DO NOTHING""",
        [(demo_id, m.kind, m.client, m.player, m.start_ms, m.end_ms, m.score, len(m.kills), m.headshots, demo.map,
          json.dumps(m.detail), *window(m.start_ms, m.end_ms, demo.start_ms, demo.end_ms, *margins))
         for m in moments])
    await conn.execute(
        """UPDATE greatshot.demos SET status = 'analysed', error = NULL, analysed_at = now(), map_name = $2,
                  mod_version = $3, ettv = $4, recorder = $5, start_ms = $6, end_ms = $7, bounds = $8,
                  kill_count = $9, headshot_count = $10
           WHERE id = $1""",
        demo_id, demo.map, demo.mod_version or demo.mod, demo.protocol == 284, demo.pov.client, demo.start_ms,
        demo.end_ms, json.dumps(bounds.as_dict()), len(kills), sum(1 for k in kills if k.headshot))


def _xy(pos: tuple[float, float, float] | None) -> tuple[float | None, float | None]:
    return (None, None) if pos is None else (pos[0], pos[1])


def _distance(kill: Kill) -> float | None:
    if kill.attacker_pos is None or kill.victim_pos is None:
        return None
    return math.dist(kill.attacker_pos, kill.victim_pos)


async def link(service: Greatshot, demo_id: int, demo: Demo) -> None:
    """Match the demo to its stats round; a failure here never fails the analysis."""
    try:
        await linking.link(service, demo_id, demo)
    except Exception:
        log.exception("greatshot: linking demo %d to a stats round failed", demo_id)


async def queue_clips(service: Greatshot, demo_id: int, job: Job) -> None:
    rows = await service.db.fetch(
        "SELECT id FROM greatshot.highlights WHERE demo_id = $1 ORDER BY score DESC, start_ms LIMIT $2",
        demo_id, service.settings.render_top)
    priority = await job_priority(service, job.id)
    queued = {(r["highlight_id"], r["stage"]) for r in await service.db.fetch(
        "SELECT highlight_id, stage FROM greatshot.demo_jobs WHERE demo_id = $1", demo_id)}
    for row in rows:
        for stage in ("clip", "render"):
            if (row["id"], stage) in queued:
                continue
            await service.queue(demo_id, stage, {"highlight_id": row["id"]}, priority=priority, by=job.enqueued_by,
                                highlight_id=row["id"])
    if not rows:
        await announce_ready(service, demo_id)


async def job_priority(service: Greatshot, job_id: int) -> int:
    """Follow-up jobs keep the rank of the job that queued them (an upload's, or a backfill's)."""
    return await service.db.fetchval("SELECT priority FROM slomix.jobs WHERE id = $1", job_id) or 0


# -- clip ---------------------------------------------------------------------------------------


async def highlight_row(service: Greatshot, highlight_id: int) -> Any:
    return await service.db.fetchrow(
        """SELECT h.*, d.sha256, d.path AS demo_path, d.start_ms AS demo_start, d.end_ms AS demo_end, d.ettv,
                  d.recorder, d.bounds, d.map_name AS demo_map
           FROM greatshot.highlights h JOIN greatshot.demos d ON d.id = h.demo_id WHERE h.id = $1""", highlight_id)


def window(first_ms: int, last_ms: int, demo_start: int, demo_end: int, before: int, after: int) -> tuple[int, int]:
    """A clip's server-time range: ``before`` ms ahead of the first kill to ``after`` past the last,
    inside the demo (at least a second)."""
    start = max(demo_start, first_ms - before)
    end = min(demo_end, last_ms + after)
    return start, max(end, start + 1000)


async def clip(service: Greatshot, job: Job) -> None:
    row = await highlight_row(service, job.payload["highlight_id"])
    if row is None:
        return
    start, end = row["clip_start_ms"], row["clip_end_ms"]
    relative = service.storage.clip(row["sha256"], row["id"])
    target = service.storage.absolute(relative)
    pov = row["client"] if row["ettv"] else None

    def run() -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(target.name + ".partial")
        cut(service.storage.absolute(row["demo_path"]), partial, start_ms=start, end_ms=end, pov=pov)
        partial.replace(target)

    await job.progress(10, "cutting")
    await anyio.to_thread.run_sync(run)
    async with service.db.acquire() as conn, job.once(conn):
        await conn.execute("UPDATE greatshot.highlights SET clip_path = $2 WHERE id = $1", row["id"], str(relative))
    if service.settings.render_command:  # the game client renders from the clip, so after the cut
        await service.queue(row["demo_id"], "game_render", {"highlight_id": row["id"]},
                            priority=await job_priority(service, job.id), by=job.enqueued_by, highlight_id=row["id"])


# -- render -------------------------------------------------------------------------------------


async def scene_for(service: Greatshot, row: Any, start: int, end: int) -> Scene:
    """Everything the frames of a highlight's clip show, from the stored analysis."""
    folder = service.storage.absolute(service.storage.demo_dir(row["sha256"]))
    positions = await anyio.to_thread.run_sync(tracks.load, folder / "positions.npz", start - 1000, end)
    kill_rows = await service.db.fetch(
        "SELECT * FROM greatshot.kills WHERE demo_id = $1 AND time_ms BETWEEN $2 AND $3 ORDER BY seq",
        row["demo_id"], start - 5000, end)
    names = {r["client"]: r["name"] for r in await service.db.fetch(
        "SELECT client, name FROM greatshot.players WHERE demo_id = $1", row["demo_id"])}
    bounds = Bounds(**json.loads(row["bounds"]))
    overview = service.settings.overviews.get(row["demo_map"] or "")
    if overview is not None:
        bounds, ground = await anyio.to_thread.run_sync(on_overview, overview)
    else:
        ground = await anyio.to_thread.run_sync(lambda: Image.open(folder / "footprint.png").convert("L"))
    return Scene(bounds=bounds, ground=ground, positions=positions, kills=[StoredKill.of(r) for r in kill_rows],
                 names=names, start_ms=row["demo_start"], focus=row["client"], size=service.settings.render_size)


def on_overview(overview: Any, pixels: int = 1024) -> tuple[Bounds, Image.Image]:
    """The square of the game plane an overview covers, and the image placed in it (a wide or
    tall overview sits at the top left, the rest dark), so game units map to pixels unstretched."""
    (left, top), (right, bottom) = overview.mins, overview.maxs
    width, height = right - left, top - bottom
    size = max(width, height)
    canvas = Image.new("RGB", (pixels, pixels), BACKGROUND)
    picture = Image.open(overview.image).convert("RGB")
    canvas.paste(picture.resize((round(pixels * width / size), round(pixels * height / size))), (0, 0))
    return Bounds(left, top - size, size), canvas


class StoredKill:
    """A kill as the kills table keeps it, with the attributes the frames read."""

    __slots__ = ("attacker", "attacker_name", "attacker_pos", "attacker_team", "headshot", "time_ms", "victim",
                 "victim_name", "victim_pos", "victim_team", "weapon")

    @classmethod
    def of(cls, row: Any) -> StoredKill:
        kill = cls()
        for name in ("attacker", "attacker_name", "attacker_team", "headshot", "time_ms", "victim", "victim_name",
                     "victim_team", "weapon"):
            setattr(kill, name, row[name])
        kill.attacker_pos = None if row["ax"] is None else (row["ax"], row["ay"])
        kill.victim_pos = None if row["vx"] is None else (row["vx"], row["vy"])
        return kill


async def render(service: Greatshot, job: Job) -> None:
    row = await highlight_row(service, job.payload["highlight_id"])
    if row is None:
        return
    start, end = row["clip_start_ms"], row["clip_end_ms"]
    scene = await scene_for(service, row, start, end)
    settings = service.settings
    moments = times(start, end, settings.render_fps)
    mp4 = service.storage.video(row["sha256"], row["id"], ".mp4")
    webp = service.storage.video(row["sha256"], row["id"], ".webp")
    report = reporter(job, 0, 95, "rendering frames")

    def run() -> None:
        target = service.storage.absolute(mp4)
        target.parent.mkdir(parents=True, exist_ok=True)
        step = max(1, round(settings.render_fps / settings.preview_fps))
        kept = []  # every step-th frame, small, for the preview: drawn once for both files

        def frames():
            for i, t in enumerate(moments):
                image = scene.frame(t)
                if i % step == 0:
                    kept.append(image.resize((settings.preview_size,) * 2, Image.Resampling.BILINEAR))
                yield image

        encode.mp4(frames(), target, fps=settings.render_fps, size=settings.render_size,
                   progress=lambda done: report(done, len(moments)))
        encode.webp(kept, service.storage.absolute(webp), fps=settings.preview_fps, size=settings.preview_size)

    await anyio.to_thread.run_sync(run)
    async with service.db.acquire() as conn, job.once(conn):
        await conn.execute("UPDATE greatshot.highlights SET video_path = $2, preview_path = $3 WHERE id = $1",
                           row["id"], str(mp4), str(webp))
    if await renders_done(service, row["demo_id"]):
        await announce_ready(service, row["demo_id"])


async def game_render(service: Greatshot, job: Job) -> None:
    """The optional second renderer: the configured command with ``{demo} {start} {end} {video}``
    (a game client on a render machine) run on the clip, under the same job rules."""
    row = await highlight_row(service, job.payload["highlight_id"])
    if row is None or row["clip_path"] is None or not service.settings.render_command:
        return
    relative = service.storage.video(row["sha256"], row["id"], ".game.mp4")
    video = service.storage.absolute(relative)
    partial = video.with_name(video.name + ".partial.mp4")
    words = [part.format(demo=service.storage.absolute(row["clip_path"]), start=row["clip_start_ms"],
                         end=row["clip_end_ms"], video=partial)
             for part in shlex.split(service.settings.render_command)]
    await job.progress(10, "game client rendering")
    with anyio.fail_after(service.settings.render_command_timeout_seconds):
        result = await anyio.run_process(words, check=False)
    if result.returncode != 0 or not await anyio.Path(partial).exists():
        tail = result.stderr.decode(errors="replace")[-300:]
        raise RuntimeError(f"render command exited {result.returncode} without a video: {tail}")
    await anyio.Path(partial).replace(video)
    async with service.db.acquire() as conn, job.once(conn):
        await conn.execute("UPDATE greatshot.highlights SET game_video_path = $2 WHERE id = $1", row["id"],
                           str(relative))


async def renders_done(service: Greatshot, demo_id: int) -> bool:
    """Every highlight sent to be rendered has its video, or its render job gave up."""
    waiting = await service.db.fetchval(
        """SELECT count(*) FROM greatshot.highlights h
           WHERE h.demo_id = $1 AND h.video_path IS NULL
             AND EXISTS (SELECT 1 FROM greatshot.demo_jobs dj WHERE dj.highlight_id = h.id AND dj.stage = 'render')
             AND NOT EXISTS (SELECT 1 FROM greatshot.demo_jobs dj JOIN slomix.jobs j ON j.id = dj.job_id
                             WHERE dj.highlight_id = h.id AND dj.stage = 'render'
                               AND j.status IN ('failed', 'cancelled'))""", demo_id)
    return waiting == 0


async def announce_ready(service: Greatshot, demo_id: int) -> None:
    reply = await announce.highlights_ready(service, demo_id)
    if reply is not None:
        await service.kernel.broadcast("on_announce", announcement=Announcement(
            topic="greatshot", reply=reply, key=f"greatshot:demo:{demo_id}"))

"""Chat commands: ``!demos``, ``!demo <id>``, ``!demo upload`` (demos attached), ``!highlights [player]``,
``!topshots [category]``."""

from __future__ import annotations

from collections.abc import Callable

import anyio
import msgspec

from slomix.kernel import Arg, Command, Context, Field, Image, Reply, Table, UsageError

from . import queries
from .describe import KIND_NAMES, moment
from .service import PRIORITY_UPLOAD, Greatshot, Refused
from .settings import GreatshotSettings
from .sniff import NotADemo


def _paths(service: Greatshot, h: queries.HighlightLine) -> dict[str, str | None]:
    """Where a highlight's files are, as absolute paths under the data dir."""
    return {name: (str(service.storage.absolute(value)) if value else None)
            for name, value in (("clip", h.clip_path), ("video", h.video_path), ("preview", h.preview_path),
                                ("game_video", h.game_video_path))}


async def _preview(service: Greatshot, found: list[queries.HighlightLine]) -> list[Image]:
    path = next((h.preview_path for h in found if h.preview_path), None)
    if path is None:
        return []
    data = await anyio.Path(service.storage.absolute(path)).read_bytes()
    return [Image(filename="highlight.webp", data=data, content_type="image/webp", alt="top-down preview")]


def build(get: Callable[[], Greatshot], settings: GreatshotSettings) -> list[Command]:
    max_bytes = settings.max_upload_bytes

    async def demos(ctx: Context) -> Reply:
        service = get()
        found = await queries.demos(service.db, limit=ctx.args["limit"])
        if not found:
            return Reply(title="Demos", description="No demo stored yet: upload one on the web page "
                                                    "or put .dm_84/.tv_84 files beside the stats files.")
        rows = [[d.id, d.filename, d.map_name or "?", d.status, d.kill_count or 0, d.highlights] for d in found]
        return Reply(title="Demos", tables=[Table(columns=["id", "file", "map", "status", "kills", "highlights"],
                                                  rows=rows)],
                     data=[{**msgspec.to_builtins(d), "url": f"/greatshot/demos/{d.id}"} for d in found])

    async def upload(ctx: Context, service: Greatshot) -> Reply:
        if not ctx.files:
            raise UsageError("attach .dm_84 or .tv_84 demos to the message (slomix cmd: --file PATH)")
        try:
            stored = await service.take(ctx.files, ctx.actor.id, source="upload", priority=PRIORITY_UPLOAD)
        except (NotADemo, Refused) as error:
            raise UsageError(str(error)) from None
        rows = [[s.id, s.filename, "already stored" if s.duplicate else "analysing"] for s in stored]
        return Reply(title=f"{len(stored)} demo(s) received",
                     description="Highlights follow when the analysis is done: !demo <id> shows its progress.",
                     tables=[Table(columns=["demo", "file", "status"], rows=rows)],
                     data=[msgspec.to_builtins(s) for s in stored])

    async def demo(ctx: Context) -> Reply:
        service = get()
        which = ctx.args["id"]
        if which.lower() == "upload":
            return await upload(ctx, service)
        if not which.isdigit():
            raise UsageError(f"{which!r} is not a demo number: !demo <id> (see !demos) or !demo upload")
        found = await queries.detail(service.db, int(which))
        if found is None:
            raise UsageError(f"no demo {which}: see !demos")
        d = found.demo
        fields = [Field("map", d.map_name or "?"), Field("status", d.status), Field("kills", str(d.kill_count or 0)),
                  Field("headshots", str(d.headshot_count or 0)), Field("highlights", str(d.highlights))]
        if d.round_id:
            fields.append(Field("stats round", f"{d.round_id} ({d.link_state}, {d.link_confidence or 0:.0f} %)"))
        jobs = [[j.id, j.stage, j.status, f"{j.progress or 0:.0f} %",
                 j.error or (j.message if j.status in ("queued", "running") else "") or ""] for j in found.jobs]
        tables = [Table(title="jobs", columns=["job", "stage", "status", "progress", "now"], rows=jobs)] if jobs else []
        best = "\n".join(f"- {moment(h, found.start_ms)}" for h in found.highlights[:5])
        return Reply(title=f"Demo {d.id}: {d.filename}", description=(d.error or best or "No highlight yet."),
                     fields=fields, tables=tables, url=f"/greatshot/demos/{d.id}",
                     images=await _preview(service, found.highlights[:1]),
                     data={**msgspec.to_builtins(d), "jobs": [msgspec.to_builtins(j) for j in found.jobs],
                           "highlights": [{**msgspec.to_builtins(h), **_paths(service, h)} for h in found.highlights]})

    async def highlights(ctx: Context) -> Reply:
        service = get()
        found = await queries.highlights(service.db, player=ctx.args["player"], limit=200)
        if not found:
            who = f" for {ctx.args['player']}" if ctx.args["player"] else ""
            return Reply(title="Highlights", description=f"No highlight{who} yet.")
        rows = [[h.id, h.demo_id, KIND_NAMES.get(h.kind, h.kind), h.player, h.kills, h.headshots, round(h.score),
                 "yes" if h.video_path else "-"] for h in found]
        return Reply(title="Highlights", tables=[Table(columns=["id", "demo", "kind", "player", "kills", "HS",
                                                                 "score", "video"], rows=rows[:25])],
                     images=await _preview(service, found[:1]),
                     data=[{**msgspec.to_builtins(h), **_paths(service, h)} for h in found])

    async def topshots(ctx: Context) -> Reply:
        service = get()
        category = ctx.args["category"]
        found = await queries.topshots(service.db, category, map_name=ctx.args["map"])
        unit = {"headshots": "HS %", "kills": "kills"}.get(category, "kills")
        rows = [[t.rank, t.player, int(t.value) if t.value.is_integer() else t.value, t.map_name or t.demos]
                for t in found]
        last = "map" if category in ("multikills", "sprees", "clutches") else "demos"
        return Reply(title=f"Topshots: {category}" + (f" on {ctx.args['map']}" if ctx.args["map"] else ""),
                     description=None if found else "Nothing yet: every uploaded demo counts, whoever sent it.",
                     tables=[Table(columns=["#", "player", unit, last], rows=rows)] if rows else [],
                     data=[msgspec.to_builtins(t) for t in found])

    return [
        Command("demos", demos, "The latest stored demos.", args=(Arg("limit", int, default=20),),
                category="greatshot"),
        Command("demo", demo, "A demo: its analysis, highlights and jobs; `upload` with demos attached stores them.",
                args=(Arg("id", required=True, help="a demo's number, or upload"),), category="greatshot",
                max_file_bytes=max_bytes),
        Command("highlights", highlights, "Highlights of every demo, best first (optionally one player's).",
                args=(Arg("player", rest=True, help="a player's name, or part of it"),), category="greatshot"),
        Command("topshots", topshots, "The community's best moments across all demos.",
                args=(Arg("category", default="multikills", choices=queries.TOPSHOT_CATEGORIES),
                      Arg("map", help="only this map")), category="greatshot"),
    ]

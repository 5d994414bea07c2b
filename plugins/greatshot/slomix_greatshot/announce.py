"""The community's message when a demo's highlights are ready (with the best one's preview)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio

from slomix.kernel import Image, Reply
from slomix.kernel.reply import COLOUR_OK

from . import queries
from .describe import moment

if TYPE_CHECKING:
    from .service import Greatshot


async def highlights_ready(service: Greatshot, demo_id: int) -> Reply | None:
    line = await queries.demo(service.db, demo_id)
    if line is None:
        return None
    found = await queries.highlights(service.db, demo_id=demo_id, limit=5)
    text = "\n".join(f"- {moment(h)}" for h in found) or "No highlight in this demo."
    images = []
    preview = next((h.preview_path for h in found if h.preview_path), None)
    if preview is not None:
        data = await anyio.Path(service.storage.absolute(preview)).read_bytes()
        images.append(Image(filename=f"demo{demo_id}.webp", data=data, content_type="image/webp",
                            alt=f"top-down preview of the best highlight of demo {demo_id}"))
    return Reply(title=f"Highlights ready: {line.filename} ({line.map_name or 'unknown map'})", description=text,
                 images=images, colour=COLOUR_OK, url=f"/greatshot/demos/{demo_id}",
                 footer=f"{line.kill_count or 0} kills, {line.highlights} highlights")

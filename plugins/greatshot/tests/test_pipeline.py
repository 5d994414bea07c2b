"""End to end over HTTP on the real ETTV demo: upload -> analysis -> highlights -> clips -> render,
asserted at each step with values (kill counts, the highlights and their players, clip windows,
a rendered frame's markers), then the pages and commands that show it."""

from __future__ import annotations

import json

import av
import numpy as np
import pytest
from greatshot_helpers import until_idle, working

from slomix.kernel import CLI_ACTOR
from slomix_greatshot import tracks
from slomix_greatshot.api import parse
from slomix_greatshot.render.footprint import Bounds
from slomix_greatshot.render.frames import ALLIES, AXIS

pytestmark = pytest.mark.anyio

DEMO = "demo01_legacy.tv_84"
START = 205350  # the demo's first snapshot (server time, ms)


async def upload(client, shared_data, name: str = DEMO) -> int:
    data = (shared_data / "demos" / name).read_bytes()
    response = await client.post("/api/greatshot/demos", files=[("demo", (name, data, "application/octet-stream"))])
    assert response.status_code == 201, response.text
    return response.json()["demos"][0]["id"]


@pytest.fixture
async def analysed(greatshot_site, shared_data):
    client = await greatshot_site(settings={"render_top": 6})
    demo_id = await upload(client, shared_data)
    async with working(client.kernel):
        await until_idle(client.kernel)
    return client, demo_id


async def test_upload_to_highlights_clips_and_videos(analysed) -> None:
    client, demo_id = analysed
    detail = (await client.get(f"/api/greatshot/demos/{demo_id}")).json()
    demo = detail["demo"]
    # Analysis: UDT lists 44 of the 47 obituaries of this demo; our reader finds all 47.
    assert (demo["status"], demo["map_name"], demo["kill_count"], detail["ettv"]) == ("analysed", "adlernest", 47, True)
    assert (detail["start_ms"], detail["end_ms"]) == (START, 361350)
    players = {p["name"]: p for p in detail["players"]}
    assert (players["[BOT]Zarna"]["kills"], players["[BOT]Zarna"]["deaths"]) == (7, 5)  # counted by hand
    assert players["[BOT]Cledus"]["headshots"] == 3 and players["[BOT]Cledus"]["headshot_percent"] == 75.0
    # Highlights (hand-checked in the kill list): Bortack's two sten headshots 0.6 s apart at the
    # start, and five trades: Bortack avenging Kaolin (Halfbaked, the same server frame), Vokur avenging
    # Kaolin (xdd, 0.9 s later), Newbie avenging xdd (Vokur, 0.8 s), Zarna avenging Kaolin (Cledus, 2.2 s),
    # xdd avenging Halfwit (Vokur, the same frame).
    found = sorted((h["kind"], h["player"], h["start_ms"] - START, h["kills"], h["headshots"])
                   for h in detail["highlights"])
    assert found == [("headshot_chain", "[BOT]Bortack", 100, 2, 2), ("trade", "[BOT]Bortack", 100, 1, 1),
                     ("trade", "[BOT]Newbie", 76500, 1, 1),
                     ("trade", "[BOT]Vokur", 33900, 1, 0), ("trade", "[BOT]Zarna", 102400, 1, 0),
                     ("trade", "xdd", 33900, 1, 0)]
    chain = next(h for h in detail["highlights"] if h["kind"] == "headshot_chain")
    assert chain["detail"]["victims"] == ["[BOT]Halfbaked", "[BOT]Newbie"]
    # Clip windows: 4 s before the first kill (clamped to the demo's start) to 3 s after the last.
    assert (chain["clip_start_ms"], chain["clip_end_ms"]) == (START, START + 700 + 3000)
    trade = next(h for h in detail["highlights"] if h["player"] == "[BOT]Zarna")
    assert (trade["clip_start_ms"] - START, trade["clip_end_ms"] - START) == (98400, 105400)
    assert trade["detail"] == {"victims": ["[BOT]Cledus"], "weapons": ["flamethrower"], "avenged": "[BOT]Kaolin",
                               "gap_ms": 2200}
    # Every job finished; their progress reached 100.
    stages = sorted((j["stage"], j["status"]) for j in detail["jobs"])
    assert stages == [("analyse", "succeeded")] + [("clip", "succeeded")] * 6 + [("render", "succeeded")] * 6
    assert all(j["progress"] == 100 for j in detail["jobs"] if j["status"] == "succeeded")


async def test_a_clip_is_the_window_from_the_players_point_of_view(analysed, tmp_path) -> None:
    client, demo_id = analysed
    [chain] = (await client.get(f"/api/greatshot/highlights?kind=headshot_chain&demo={demo_id}")).json()
    response = await client.get(f"/api/greatshot/highlights/{chain['id']}/clip")
    assert response.status_code == 200
    name = f"demo{demo_id}-headshot_chain-{chain['id']}.dm_84"
    assert response.headers["content-disposition"] == f'attachment; filename="{name}"'
    (tmp_path / "clip.dm_84").write_bytes(response.content)
    clip = parse(tmp_path / "clip.dm_84")
    # A client demo (protocol 84) cut from the ETTV demo, seen by Bortack, holding the window's kills.
    assert (clip.protocol, clip.pov.client, clip.pov.name) == (84, 10, "[BOT]Bortack")
    assert (clip.start_ms, clip.end_ms) == (START, START + 3700)
    assert [(k.time_ms - START, k.attacker, k.victim, k.headshot) for k in clip.kills] == [
        (100, 5, 4, False), (100, 10, 5, True), (700, 10, 3, True), (2950, 8, 7, False)]


async def test_a_rendered_video_shows_the_moment(analysed) -> None:
    client, demo_id = analysed
    [chain] = (await client.get(f"/api/greatshot/highlights?kind=headshot_chain&demo={demo_id}")).json()
    video = await client.get(f"/api/greatshot/highlights/{chain['id']}/video")
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    path = client.kernel.config.data_dir / "greatshot" / chain["video_path"]
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert (stream.codec_context.name, stream.width, stream.height) == ("h264", 640, 640)
        frames = [f.to_ndarray(format="rgb24") for f in container.decode(stream)]
    # Real time at 20 fps: 3.7 s of clip, a frame every 50 ms.
    assert len(frames) == 3700 // 50 + 1
    # Each player seen at the first frame is a disc of his team's colour at his place on the map.
    sha = (await client.kernel.db.pool.fetchrow("SELECT sha256, bounds FROM greatshot.demos WHERE id = $1", demo_id))
    folder = client.kernel.config.data_dir / "greatshot" / "demos" / sha["sha256"][:2] / sha["sha256"]
    bounds = Bounds(**json.loads(sha["bounds"]))
    seen = {p.client: p for p in tracks.load(folder / "positions.npz", START, START)}
    assert len(seen) == 10  # of the 11 playing (the ETTV recorder is a spectator)
    for p in seen.values():
        x, y = (round(v) for v in bounds.pixel(p.x, p.y, 640))
        colour = frames[0][y, x].astype(int)
        wanted = AXIS if p.team == "axis" else ALLIES
        assert np.abs(colour - wanted).sum() < 90, (p, colour)
    preview = await client.get(f"/api/greatshot/highlights/{chain['id']}/preview")
    assert preview.status_code == 200 and preview.content[:4] == b"RIFF" and preview.content[8:12] == b"WEBP"


async def test_commands_and_pages_show_the_demo(analysed) -> None:
    client, demo_id = analysed
    kernel = client.kernel
    reply = await kernel.commands.dispatch(kernel, "!demos", CLI_ACTOR)
    assert [(d["id"], d["map_name"], d["kill_count"], d["highlights"]) for d in reply.data] == [
        (demo_id, "adlernest", 47, 6)]
    reply = await kernel.commands.dispatch(kernel, "!highlights Zarna", CLI_ACTOR)
    [zarna] = reply.data
    assert zarna["kind"] == "trade" and zarna["video"].endswith(f"videos/{zarna['id']}.mp4")
    assert zarna["video"].startswith(str(kernel.config.data_dir))
    reply = await kernel.commands.dispatch(kernel, f"!demo {demo_id}", CLI_ACTOR)
    assert reply.title == f"Demo {demo_id}: {DEMO}" and reply.images[0].content_type == "image/webp"
    reply = await kernel.commands.dispatch(kernel, "!topshots headshots", CLI_ACTOR)
    assert reply.data == []  # nobody has the 10 kills the headshot board asks for
    reply = await kernel.commands.dispatch(kernel, "!topshots kills", CLI_ACTOR)
    # Ties by name; Razor's panzerfaust suicide does not count.
    assert [(t["player"], t["value"]) for t in reply.data[:4]] == [
        ("[BOT]Halfbaked", 7.0), ("[BOT]Vokur", 7.0), ("[BOT]Zarna", 7.0), ("[BOT]Razor", 5.0)]
    page = await client.get(f"/greatshot/demos/{demo_id}", headers={"accept": "text/html"})
    assert page.status_code == 200
    assert page.text.count("<line x1=") == 47 + 1  # one tick per kill on the timeline, and its axis
    assert f"/api/greatshot/highlights/{zarna['id']}/video" in page.text

"""The top-down renderer: frames are a pure function of the clip and the time (same pixels every
time), show what happened where it happened, and draw on an admin's overview image when one is set."""

from __future__ import annotations

import av
import numpy as np
import pytest
from greatshot_helpers import until_idle, working
from PIL import Image

from slomix.kernel import IncomingFile
from slomix_greatshot.api import parse
from slomix_greatshot.render.footprint import footprint
from slomix_greatshot.render.frames import ALLIES, AXIS, HEADSHOT, KILL_LINE, Scene, times

pytestmark = pytest.mark.anyio


@pytest.fixture(scope="module")
def ettv(shared_data):
    return parse(shared_data / "demos" / "demo01_legacy.tv_84")


def scene(demo, **extra) -> Scene:
    bounds, ground = footprint(demo.positions)
    return Scene(bounds=bounds, ground=ground, positions=demo.positions, kills=demo.kills,
                 names={p.client: p.name for p in demo.players}, start_ms=demo.start_ms, **extra)


def test_frames_are_deterministic_and_show_the_kill_where_it_happened(ettv) -> None:
    s = scene(ettv, focus=10)
    t = ettv.start_ms + 800  # Bortack's sten headshot on Halfbaked, 1 131 units away, was 700 ms ago
    first, again = np.asarray(s.frame(t)), np.asarray(scene(ettv, focus=10).frame(t))
    assert first.shape == (640, 640, 3) and (first == again).all()
    kill = next(k for k in ettv.kills if k.time_ms == ettv.start_ms + 100 and k.attacker == 10)
    vx, vy = s.px(*kill.victim_pos[:2])
    ax, ay = s.px(*kill.attacker_pos[:2])
    # The headshot mark: an X of its colour over the victim; the kill line from the killer toward him.
    assert (first[vy - 5:vy + 6, vx - 5:vx + 6] == HEADSHOT).all(axis=2).sum() >= 8
    mid_x, mid_y = (ax + vx) // 2, (ay + vy) // 2
    assert (first[mid_y - 2:mid_y + 3, mid_x - 2:mid_x + 3] == KILL_LINE).all(axis=2).any()
    # Bortack himself: an Allies disc where he is now.
    bx, by = s.px(*s.tracks[10].at(t)[:2])
    assert (first[by, bx] == ALLIES).all()
    # Later, the kill is off the map and its line gone.
    later = np.asarray(s.frame(ettv.start_ms + 5000))
    assert not (later[mid_y - 2:mid_y + 3, mid_x - 2:mid_x + 3] == KILL_LINE).all(axis=2).any()


def test_markers_follow_the_positions_between_samples(ettv) -> None:
    s = scene(ettv)
    track = s.tracks[0]  # xdd, Axis
    t = (track.times[10] + track.times[11]) // 2
    x, y, _, team = track.at(t)
    a, b = track.samples[10], track.samples[11]
    assert min(a.x, b.x) <= x <= max(a.x, b.x) and team == "axis"
    px, py = s.px(x, y)
    assert (np.asarray(s.frame(t))[py, px] == AXIS).all()
    assert len(times(0, 7000, 20)) == 141 and times(0, 7000, 20)[1] == 50  # real time at 20 fps


async def test_an_overview_image_with_its_bounds_is_the_ground(make_kernel, shared_data, tmp_path) -> None:
    image = tmp_path / "supply.png"
    Image.new("RGB", (64, 64), (10, 90, 40)).save(image)
    overview = {"image": str(image), "mins": [-500.0, 1500.0], "maxs": [4000.0, -3000.0]}  # left, top; right, bottom
    kernel = await make_kernel(plugins={"stats", "greatshot"},
                               config={"plugins": {"greatshot": {"overviews": {"supply": overview}}}})
    demo = shared_data / "demos" / "etpro_capture_test.dm_84"
    await kernel.ingest(IncomingFile(name=demo.name, path=demo, source="import"))
    async with working(kernel):
        await until_idle(kernel)
    video = await kernel.db.pool.fetchval("SELECT video_path FROM greatshot.highlights")
    with av.open(str(kernel.config.data_dir / "greatshot" / video)) as container:
        frame = next(container.decode(video=0)).to_ndarray(format="rgb24").astype(int)
    corner = frame[300:340, 2:40]  # left edge, mid height: the overview, no marker, no text
    assert np.abs(corner - (10, 90, 40)).sum(axis=2).max() < 40

"""Frames to files: H.264 MP4 through PyAV (FFmpeg's libraries), animated WebP through Pillow."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

import av
import numpy as np
from PIL import Image

_CODECS = ("libx264", "libopenh264", "h264")


def _codec() -> str:
    for name in _CODECS:
        try:
            av.codec.Codec(name, "w")
        except Exception:
            continue
        return name
    raise RuntimeError("no H.264 encoder in this PyAV build")


def mp4(frames: Iterable[Image.Image], path: Path, *, fps: int, size: int,
        progress: Callable[[int], None] | None = None) -> int:
    """Encode ``frames`` (RGB, size×size) as H.264 in MP4 at ``fps``; returns the frame count.
    Written beside ``path`` first, so a failure leaves no half file under its name."""
    partial = path.with_name(path.name + ".partial")
    count = 0
    with av.open(str(partial), mode="w", format="mp4") as container:
        stream = container.add_stream(_codec(), rate=fps)
        stream.width = stream.height = size
        stream.pix_fmt = "yuv420p"
        if stream.codec_context.name == "libx264":
            stream.options = {"preset": "ultrafast", "crf": "23", "threads": "1"}
        for image in frames:
            frame = av.VideoFrame.from_ndarray(np.asarray(image), format="rgb24")
            container.mux(stream.encode(frame))
            count += 1
            if progress is not None:
                progress(count)
        container.mux(stream.encode(None))
    os.replace(partial, path)
    return count


def webp(frames: Iterable[Image.Image], path: Path, *, fps: int, size: int) -> int:
    """A small looping animated WebP (for Discord) of ``frames``, scaled to ``size``."""
    small = [f if f.size == (size, size) else f.resize((size, size), Image.Resampling.BILINEAR) for f in frames]
    if not small:
        raise ValueError("no frame to write")
    partial = path.with_name(path.name + ".partial")
    small[0].save(partial, format="WEBP", save_all=True, append_images=small[1:], duration=round(1000 / fps),
                  loop=0, quality=50, method=0)
    os.replace(partial, path)
    return len(small)

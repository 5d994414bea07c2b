"""A test plugin with one command per thing the adapter must show, and a kernel that runs it."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import pytest

from slomix.kernel import Arg, Command, Context, Field, Image, Reply, Table, Tier, hookimpl

PLAYERS = ("vid", "vidar", "olz", "carniee", "superboyy")


def png(width: int = 2, height: int = 2) -> bytes:
    """A real (tiny, grey) PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))


async def eventually(check: Callable[[], Awaitable[Any]], within: float = 5.0) -> Any:
    """Poll ``check`` until it returns something truthy (the database offers nothing to wait on)."""
    with anyio.fail_after(within):
        while not (found := await check()):  # noqa: ASYNC110
            await anyio.sleep(0.01)
    return found


async def complete_player(kernel, text: str) -> list[str]:
    return [p for p in PLAYERS if p.startswith(text.lower())]


class Toys:
    """Commands that exercise typed options, paging, images, tiers and failures."""

    @hookimpl
    def on_command(self, kernel):
        async def add(ctx: Context) -> Reply:
            total = ctx.args["a"] + ctx.args["b"]
            return Reply(title="Sum", description=f"{ctx.args['a']} + {ctx.args['b']} = {total}",
                         fields=[Field("asked by", ctx.actor.id)])

        async def scale(ctx: Context) -> Reply:
            value = ctx.args["factor"] * 10
            return Reply(title="Scaled", description=f"{value:.1f}{'!' if ctx.args['loud'] else ''}")

        async def pick(ctx: Context) -> Reply:
            return Reply(title="Picked", description=ctx.args["colour"])

        async def player(ctx: Context) -> Reply:
            return Reply(title=f"Player {ctx.args['name']}", footer="from the toys plugin")

        async def ranks(ctx: Context) -> Reply:
            rows = [[i, f"player{i}", 1000 - i * 7, round(1.5 + i / 100, 2)] for i in range(1, ctx.args["rows"] + 1)]
            return Reply(title="Ranking", description="Top players by kills",
                         tables=[Table(columns=["#", "name", "kills", "kd"], rows=rows)])

        async def chart(ctx: Context) -> Reply:
            return Reply(title="Chart", images=[Image(filename="kills chart.png", data=png(), alt="kills per map")])

        async def boom(ctx: Context) -> Reply:
            raise RuntimeError("the toy broke")

        async def secret(ctx: Context) -> Reply:
            return Reply(title="Secret", description="for admins")

        async def digest(ctx: Context) -> Reply:
            return Reply(title="Digest", description="\n".join(
                f"{f.filename} {f.size} {f.sha256} {f.path.read_bytes().decode()}" for f in ctx.files))

        return [
            Command("add", add, "Add two whole numbers", aliases=("plus",),
                    args=(Arg("a", int, required=True, help="first"), Arg("b", int, required=True, help="second"))),
            Command("scale", scale, "Multiply by ten",
                    args=(Arg("loud", bool, default=False), Arg("factor", float, required=True))),
            Command("pick", pick, "Pick a colour", args=(Arg("colour", required=True, choices=("red", "blue")),)),
            Command("player", player, "Show a player",
                    args=(Arg("name", required=True, rest=True, complete=complete_player),)),
            Command("ranks", ranks, "A long ranking", args=(Arg("rows", int, default=40),)),
            Command("chart", chart, "A picture"),
            Command("boom", boom, "Always fails"),
            Command("secret", secret, "Admins only", tier=Tier.ADMIN),
            Command("digest", digest, "The attached files' digests", max_file_bytes=100),
        ]


@pytest.fixture
def toys() -> dict:
    return {"toys": ("plugin", Toys())}

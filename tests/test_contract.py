"""The hook contract is tested, not just written (datasette's rule).

``test_every_hook_is_documented_and_tested`` fails when a hookspec lacks a
docstring or a ``test_hook_<name>`` test anywhere in the suite. The
``test_hook_*`` tests below each prove one hook does what its docstring says.
"""

from __future__ import annotations

import argparse
import inspect
import re
from pathlib import Path

import anyio
import anyio.lowlevel
import msgspec
import pytest

from slomix.kernel import (
    Command,
    Config,
    FileOutcome,
    IncomingFile,
    Kernel,
    MigrationSet,
    Reply,
    Request,
    Route,
    SubCommand,
    hookimpl,
    hookspecs,
)

pytestmark = pytest.mark.anyio
ROOT = Path(__file__).resolve().parents[1]


def hook_names() -> list[str]:
    return [name for name, fn in vars(hookspecs).items()
            if inspect.isfunction(fn) and hasattr(fn, "slomix_spec")]


def test_every_hook_is_documented_and_tested() -> None:
    sources = "\n".join(p.read_text() for p in ROOT.glob("**/test_*.py") if ".tox" not in p.parts
                        and ".venv" not in p.parts)
    names = hook_names()
    assert {"on_file", "on_round", "on_command", "on_http_route", "on_demo"} <= set(names)
    for name in names:
        doc = inspect.getdoc(getattr(hookspecs, name)) or ""
        assert len(doc) > 40, f"hook {name} has no documentation"
        assert re.search(rf"def test_hook_{name}\b", sources), f"hook {name} has no test_hook_{name}"


# -- one test per hook ---------------------------------------------------------------------------


class Recorder:
    """A plugin that records what reaches it."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, object]] = []


async def test_hook_on_file(make_kernel) -> None:
    class Csv(Recorder):
        @hookimpl
        async def on_file(self, files):
            self.seen.append(("files", [f.name for f in files]))
            return [FileOutcome(status="imported", kind="csv", detail=f"{f.size} bytes") if f.name.endswith(".csv")
                    else None for f in files]

    class Other:
        @hookimpl
        def on_file(self, files):
            return None

    class Wrong:
        @hookimpl
        def on_file(self, files):
            return [None]  # one answer for two files

    csv = Csv()
    kernel = await make_kernel(plugins=set(), extra={"csv": ("plugin", csv), "other": ("plugin", Other()),
                                                    "wrong": ("plugin", Wrong())})
    assert await kernel.ingest(IncomingFile(name="a.csv", data=b"1,2,3")) == [
        ("csv", FileOutcome(status="imported", kind="csv", detail="5 bytes"))]
    first, second = await kernel.ingest_many([IncomingFile(name="b.csv", data=b"1"),
                                              IncomingFile(name="c.txt", data=b"")])
    assert csv.seen == [("files", ["a.csv"]), ("files", ["b.csv", "c.txt"])]
    assert dict(first)["csv"] == FileOutcome(status="imported", kind="csv", detail="1 bytes")
    assert set(dict(second)) == {"wrong"} and dict(first)["wrong"] == dict(second)["wrong"]
    assert dict(second)["wrong"].status == "failed" and "not a list of 2 outcomes" in dict(second)["wrong"].detail


async def test_hook_on_round(make_kernel) -> None:
    class Listener(Recorder):
        @hookimpl
        async def on_round(self, event, kernel):
            await anyio.lowlevel.checkpoint()
            self.seen.append(("round", event["id"]))

    a, b = Listener(), Listener()
    kernel = await make_kernel(plugins=set(), extra={"a": ("plugin", a), "b": ("plugin", b)})
    kernel.emit("on_round", event={"id": 7})
    kernel.emit("on_round", event={"id": 8})
    await kernel.settle()
    assert a.seen == b.seen == [("round", 7), ("round", 8)]


async def test_hook_on_demo(make_kernel) -> None:
    class Analyser(Recorder):
        @hookimpl
        def on_demo(self, demo):
            self.seen.append(("demo", demo.name))

    analyser = Analyser()
    kernel = await make_kernel(plugins=set(), extra={"analyser": ("plugin", analyser)})
    kernel.emit("on_demo", demo=IncomingFile(name="x.dm_84", data=b"\0"))
    await kernel.settle()
    assert analyser.seen == [("demo", "x.dm_84")]


async def test_hook_on_announce(make_kernel) -> None:
    from slomix.kernel import Announcement

    class Poster(Recorder):
        @hookimpl
        async def on_announce(self, announcement, kernel):
            self.seen.append((announcement.topic, announcement.reply.title, announcement.key))

    poster = Poster()
    kernel = await make_kernel(plugins=set(), extra={"poster": ("plugin", poster)})
    await kernel.broadcast("on_announce", announcement=Announcement(
        topic="round", reply=Reply(title="supply R1"), key="round:1"))
    assert poster.seen == [("round", "supply R1", "round:1")]


async def test_hook_on_command(make_kernel) -> None:
    class Greeter:
        @hookimpl
        def on_command(self, kernel):
            async def hi(ctx):
                return Reply(title=f"hi {ctx.actor.name}")
            return [Command("hi", hi, "Say hi", aliases=("hey",))]

    kernel = await make_kernel(plugins=set(), extra={"greeter": ("plugin", Greeter())})
    command = kernel.commands.get("!hey")
    assert command is not None and command.plugin == "greeter" and command.name == "hi"


async def test_hook_on_http_route(make_kernel) -> None:
    async def handler(request: Request):
        return {"ok": True}

    class Api:
        @hookimpl
        def on_http_route(self, kernel):
            return [Route("GET", "/api/ping", handler, summary="Ping")]

    kernel = await make_kernel(plugins=set(), extra={"api": ("plugin", Api())})
    assert [(r.plugin, r.method, r.path) for r in kernel.routes] == [("api", "GET", "/api/ping")]


async def test_hook_on_config_schema(make_kernel) -> None:
    class Settings(msgspec.Struct, forbid_unknown_fields=True):
        level: int = 1

    class Configured:
        @hookimpl
        def on_config_schema(self):
            return Settings

    kernel = await make_kernel(plugins=set(), extra={"conf": ("plugin", Configured())},
                               config={"plugins": {"conf": {"level": "3", "enabled": True}}})
    assert kernel.settings_for("conf") == Settings(level=3)


async def test_hook_on_migrations(make_kernel, tmp_path) -> None:
    (tmp_path / "mig").mkdir()
    (tmp_path / "mig" / "0001_things.sql").write_text("CREATE TABLE things (id int);")

    class Owner:
        @hookimpl
        def on_migrations(self):
            return MigrationSet(schema="owner", package=tmp_path / "mig")

    kernel = await make_kernel(plugins=set(), extra={"owner": ("plugin", Owner())})
    assert await kernel.db.pool.fetchval("SELECT to_regclass('owner.things')::text") == "owner.things"
    row = await kernel.db.pool.fetchrow("SELECT plugin, version, name FROM slomix.migrations "
                                        "WHERE plugin = 'owner'")
    assert tuple(row) == ("owner", 1, "things")


async def test_hook_on_cli(make_kernel) -> None:
    async def run(args, kernel):
        return 0

    class Tool:
        @hookimpl
        def on_cli(self, kernel):
            return [SubCommand("tool", "a tool", lambda p: p.add_argument("--x"), run)]

    kernel = await make_kernel(plugins=set(), extra={"tool": ("plugin", Tool())})
    from slomix.cli import _parser

    args = _parser(kernel).parse_args(["tool", "--x", "5"])
    assert args.command == "tool" and args.x == "5"
    assert isinstance(_parser(kernel), argparse.ArgumentParser)


async def test_hook_on_health(make_kernel) -> None:
    class Probe:
        @hookimpl
        async def on_health(self):
            return {"queue": 3}

    kernel = await make_kernel(plugins=set(), extra={"probe": ("plugin", Probe())})
    health = await kernel.health()
    assert health["status"] == "ok" and health["database"]["status"] == "ok"
    assert next(p for p in health["plugins"] if p["name"] == "probe")["detail"] == {"queue": 3}


async def test_hook_on_startup(make_kernel) -> None:
    class Starter(Recorder):
        @hookimpl
        async def on_startup(self, kernel):
            # The database is migrated before on_startup runs.
            self.seen.append(("tables", await kernel.db.pool.fetchval(
                "SELECT count(*) FROM slomix.migrations")))
            kernel.task_group.start_soon(anyio.sleep, 0)

    class Failing:
        @hookimpl
        def on_startup(self):
            raise RuntimeError("no licence")

        @hookimpl
        def on_command(self):
            async def h(ctx):
                return Reply()
            return [Command("failing_cmd", h, "x")]

    starter = Starter()
    kernel = await make_kernel(plugins=set(), extra={"starter": ("plugin", starter),
                                                     "failing": ("plugin", Failing())})
    assert starter.seen and starter.seen[0][1] >= 1
    assert kernel.plugin("starter").status == "active"
    failing = kernel.plugin("failing")
    assert failing.status == "failed" and "no licence" in failing.error
    assert kernel.commands.get("failing_cmd") is None


async def test_hook_on_serve(make_kernel) -> None:
    class Front(Recorder):
        @hookimpl
        async def on_serve(self, kernel):
            self.seen.append(("serving", True))
            await anyio.sleep_forever()

    class Crashing:
        @hookimpl
        async def on_serve(self):
            raise RuntimeError("port taken")

    front = Front()
    kernel = await make_kernel(plugins=set(), extra={"front": ("plugin", front),
                                                     "crash": ("plugin", Crashing())})
    with anyio.move_on_after(0.2):
        await kernel.serve()
    assert front.seen == [("serving", True)]
    assert any("port taken" in e for e in kernel.errors["crash"])


async def test_hook_on_shutdown(make_kernel, slomix_templates) -> None:
    events: list[str] = []

    class Closer:
        @hookimpl
        async def on_shutdown(self, kernel):
            # Still able to use the database: it closes after on_shutdown.
            events.append(f"db={await kernel.db.pool.fetchval('SELECT 1')}")

    kernel = Kernel(Config({}), only=set(), extra={"closer": ("plugin", Closer())})
    kernel.load()
    kernel.db.url = await slomix_templates.fresh_database(kernel)
    async with kernel:
        events.append("running")
    assert events == ["running", "db=1"]
    assert kernel.db.pool is None
    await slomix_templates.drop(kernel.db.url)


async def test_hook_on_asgi_app(make_kernel) -> None:
    kernel = await make_kernel(plugins={"http"})
    app = await kernel.first("on_asgi_app")
    assert callable(app)
    bare = await make_kernel(plugins=set())
    assert await bare.first("on_asgi_app") is None

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
    ConfigError,
    FileOutcome,
    IncomingFile,
    Kernel,
    MigrationSet,
    PluginError,
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


def signature(name: str) -> str:
    """A hook's signature as docs/hooks.md writes it: ``on_file(files: list[IncomingFile], ...) -> ...``."""
    sig = inspect.signature(getattr(hookspecs, name))
    params = ", ".join(f"{p}: {v.annotation}" for p, v in sig.parameters.items())
    return f"{name}({params}) -> {sig.return_annotation}"


def test_every_hook_is_documented_and_tested() -> None:
    sources = "\n".join(p.read_text() for p in ROOT.glob("**/test_*.py") if ".tox" not in p.parts
                        and ".venv" not in p.parts)
    names = hook_names()
    assert {"on_file", "on_round", "on_command", "on_http_route", "on_demo"} <= set(names)
    documented = re.findall(r"^### `(on_\w+\(.*\) -> .*)`$", (ROOT / "docs" / "hooks.md").read_text(), re.M)
    assert sorted(documented) == sorted(signature(name) for name in names)  # no hook missing, none stale
    for name in names:
        doc = inspect.getdoc(getattr(hookspecs, name)) or ""
        assert len(doc) > 40, f"hook {name} has no docstring"
        assert re.search(rf"def test_hook_{name}\b", sources), f"hook {name} has no test_hook_{name}"


# -- one test per hook ---------------------------------------------------------------------------


class Recorder:
    """A plugin that records what reaches it."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, object]] = []


async def test_hook_on_file(make_kernel, sftp_server) -> None:
    """Its producer: the SSH adapter's poller fetching from a real SFTP server, a catch-up as one batch."""

    class Csv(Recorder):
        @hookimpl
        async def on_file(self, files):
            self.seen.append(("files", sorted((f.name, f.source, f.data) for f in files)))
            return [FileOutcome(status="imported", kind="csv", detail=f"{f.size} bytes") if f.name.endswith(".csv")
                    else None for f in files]

    csv = Csv()
    sftp_server.write("gamestats/a.csv", b"1,2,3", mtime=1_700_000_000)
    sftp_server.write("gamestats/b.txt", b"x", mtime=1_700_000_000)
    kernel = await make_kernel(plugins={"ssh"}, extra={"csv": ("plugin", csv)},
                               config={"adapters": {"ssh": {"servers": [sftp_server.server_entry()],
                                                            "poll_seconds": 0.1, "settle_seconds": 0.05}}})
    async with anyio.create_task_group() as tg:
        tg.start_soon(kernel.serve)
        with anyio.fail_after(20):
            while not await kernel.db.pool.fetchval("SELECT count(*) = 2 FROM ssh.fetched"):  # noqa: ASYNC110
                await anyio.sleep(0.05)
        tg.cancel_scope.cancel()
    assert csv.seen == [("files", [("a.csv", "ssh:gs1", b"1,2,3"), ("b.txt", "ssh:gs1", b"x")])]
    outcomes = dict(await kernel.db.pool.fetch("SELECT path, outcome FROM ssh.fetched"))
    assert outcomes["/gamestats/a.csv"].startswith("csv: imported (5 bytes)")
    assert await kernel.ingest(IncomingFile(name="c.txt", data=b"")) == []


async def test_an_answer_of_the_wrong_length_fails_the_whole_batch(make_kernel) -> None:
    class Wrong:
        @hookimpl
        def on_file(self, files):
            return [None]  # one answer, whatever the batch

    kernel = await make_kernel(plugins=set(), extra={"wrong": ("plugin", Wrong())})
    first, second = await kernel.ingest_many([IncomingFile(name="a", data=b""), IncomingFile(name="b", data=b"")])
    assert first == second and first[0][1].status == "failed" and "not a list of 2 outcomes" in first[0][1].detail


async def test_hook_on_round(make_kernel, shared_data) -> None:
    """Its producer: the stats plugin committing a real round."""

    class Listener(Recorder):
        @hookimpl
        async def on_round(self, event, kernel):
            stored = await kernel.db.pool.fetchval("SELECT map_name FROM stats.rounds WHERE id = $1", event.round_id)
            self.seen.append((event.map_name, event.round_number, event.change, stored))

    a, b = Listener(), Listener()
    kernel = await make_kernel(plugins={"stats"}, extra={"a": ("plugin", a), "b": ("plugin", b)})
    for name in ("2025-10-14-212521-etl_adlernest-round-2.txt", "2025-10-14-212214-etl_adlernest-round-1.txt"):
        await kernel.ingest(IncomingFile(name=name, path=shared_data / "stats" / name))
    await kernel.settle()
    map_name = "etl_adlernest"
    assert a.seen == b.seen == [(map_name, 2, "new", map_name), (map_name, 1, "new", map_name),
                                (map_name, 2, "updated", map_name)]


async def test_hook_on_demo(make_kernel, shared_data) -> None:
    """Its producer: Greatshot storing a real demo that ``slomix import`` handed it."""

    class Analyser(Recorder):
        @hookimpl
        async def on_demo(self, demo):
            with demo.open() as stream:
                self.seen.append((demo.name, demo.source, demo.size, len(stream.read(1024))))

    analyser = Analyser()
    kernel = await make_kernel(plugins={"stats", "greatshot"}, extra={"analyser": ("plugin", analyser)})
    demo = shared_data / "demos" / "etpro_capture_test.dm_84"
    await kernel.ingest(IncomingFile(name=demo.name, path=demo, source="import"))
    await kernel.ingest(IncomingFile(name="again.dm_84", path=demo, source="import"))  # the same bytes: not again
    await kernel.settle()
    assert analyser.seen == [(demo.name, "import", demo.stat().st_size, 1024)]


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


async def test_hook_on_presence(fake_discord, discord_kernel) -> None:
    """Its producer: the Discord adapter, at log-in (people already in voice) and on channel changes;
    a mute toggle sends nothing."""

    arrived = anyio.Event()

    class Listener(Recorder):
        @hookimpl
        async def on_presence(self, presence, kernel):
            nonlocal arrived
            self.seen.append((presence.reason, {c.name: [m.name for m in c.members] for c in presence.channels}))
            arrived.set()
            arrived = anyio.Event()

    async def seen(count: int) -> list:
        with anyio.fail_after(5):
            while len(listener.seen) < count:
                await arrived.wait()
        return listener.seen

    fake = fake_discord
    lobby, team = fake.add_voice_channel("lobby"), fake.add_voice_channel("team a")
    ann, bob = fake.user("ann"), fake.user("bob")
    await fake.join_voice(ann, lobby)  # before the bot logs in
    listener = Listener()
    await discord_kernel(extra={"listener": ("plugin", listener)})
    assert await seen(1) == [("login", {"lobby": ["ann"], "team a": []})]
    await fake.join_voice(bob, lobby)
    await fake.toggle_voice(ann, self_mute=True)
    await fake.join_voice(ann, team)
    await fake.leave_voice(bob)
    assert (await seen(4))[1:] == [("join", {"lobby": ["ann", "bob"], "team a": []}),
                                   ("move", {"lobby": ["bob"], "team a": ["ann"]}),
                                   ("leave", {"lobby": [], "team a": ["ann"]})]


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


async def test_hook_on_http_route(make_kernel, http_client) -> None:
    """Its consumer: the HTTP adapter serving the route."""

    async def handler(request: Request) -> dict:
        return {"ok": True, "who": request.actor.id, "id": request.path_params["id"]}

    class Api:
        @hookimpl
        def on_http_route(self, kernel):
            return [Route("GET", "/api/ping/{id}", handler, summary="Ping")]

    kernel = await make_kernel(plugins={"http"}, extra={"api": ("plugin", Api())})
    assert [(r.plugin, r.method, r.path) for r in kernel.routes] == [("api", "GET", "/api/ping/{id}")]
    response = await (await http_client(kernel)).get("/api/ping/7")
    assert response.json() == {"ok": True, "who": "http:anonymous", "id": "7"}


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


def test_hook_on_shortcuts() -> None:
    """Its consumer: the command line (flags) and the kernel's loading (environment), before validation."""
    from slomix.cli import _parser, _shortcut_flags
    from slomix.kernel import Shortcut

    class Level(msgspec.Struct, forbid_unknown_fields=True):
        level: int = 1

    class Tuned:
        @hookimpl
        def on_config_schema(self):
            return Level

        @hookimpl
        def on_shortcuts(self, kernel):
            return [Shortcut("plugins.tuned.level", "how loud", flag="--level", env="TUNED_LEVEL", type=int)]

    def kernel(env: dict[str, str], argv: list[str]) -> Kernel:
        made = Kernel(Config({"plugins": {"tuned": {"level": 2}}}, env=env), only=set(),
                      extra={"tuned": ("plugin", Tuned())})
        made.apply_shortcuts(_shortcut_flags(made, argv))
        return made.load()

    assert kernel({}, ["run"]).settings_for("tuned") == Level(level=2)  # the file
    assert kernel({"TUNED_LEVEL": "3"}, ["run"]).settings_for("tuned") == Level(level=3)  # the variable
    assert kernel({"TUNED_LEVEL": "3"}, ["run", "--level", "4"]).settings_for("tuned") == Level(level=4)  # the flag
    assert kernel({}, ["plugins", "--level", "4"]).settings_for("tuned") == Level(level=2)  # not that command's
    assert "--level LEVEL" in _parser(kernel({}, ["run"]))._subparsers._group_actions[0].choices["run"].format_help()
    with pytest.raises(ConfigError, match=r"plugins\.tuned\.level: \$TUNED_LEVEL = 'loud' is not valid"):
        kernel({"TUNED_LEVEL": "loud"}, ["run"])


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
    # An adapter that cannot serve ends them all (the process exits 4, not healthy without it).
    with anyio.fail_after(5), pytest.raises(PluginError, match=r"plugin .crash.: cannot serve: RuntimeError: port"):
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


async def test_hook_on_public_url(make_kernel) -> None:
    """Its producer: the HTTP adapter's public_url setting; without one, no link at all."""
    kernel = await make_kernel(plugins={"http"}, config={"adapters": {"http": {"public_url": "https://stats.example.org/"}}})
    assert await kernel.first("on_public_url") == "https://stats.example.org/"
    assert await kernel.page_url("/players/D8423F90") == "https://stats.example.org/players/D8423F90"
    unset = await make_kernel(plugins={"http"})
    assert await unset.first("on_public_url") is None and await unset.page_url("/players/D8423F90") is None
    assert await (await make_kernel(plugins=set())).page_url("/players/D8423F90") is None

"""The example plugin: a command, a route, a table, and a reaction to every committed round."""

from __future__ import annotations

import msgspec

from slomix.kernel import Arg, Command, Context, Kernel, MigrationSet, Reply, Request, Route, hookimpl
from slomix_stats.api import RoundEvent


class Settings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``[plugins.example]``."""

    greeting: str = "Hello"


class Seen(msgspec.Struct):
    """The rounds this plugin was told about, in the order it heard of them."""

    rounds: list[str]


class ExamplePlugin:
    @hookimpl
    def on_config_schema(self) -> type:
        return Settings

    @hookimpl
    def on_migrations(self) -> MigrationSet:
        return MigrationSet(schema="example", package="slomix_example.migrations", requires=("stats",))

    @hookimpl
    def on_command(self, kernel: Kernel) -> list[Command]:
        async def hello(ctx: Context) -> Reply:
            greeting = ctx.kernel.settings_for("example").greeting
            return Reply(title=f"{greeting}, {ctx.args['name'] or ctx.actor.name}!")

        return [Command("example_hello", hello, "Say hello",
                        args=(Arg("name", rest=True, help="who to greet"),))]

    @hookimpl
    def on_http_route(self, kernel: Kernel) -> list[Route]:
        async def seen(request: Request) -> Seen:
            rows = await request.kernel.db.pool.fetch("SELECT round FROM example.seen ORDER BY id")
            return Seen([r["round"] for r in rows])

        return [Route("GET", "/api/example/seen", seen, summary="Rounds this plugin was told about",
                      response_type=Seen)]

    @hookimpl
    async def on_round(self, event: RoundEvent, kernel: Kernel) -> None:
        """Every committed round (``slomix_stats.api.RoundEvent``), after its commit."""
        if isinstance(event, RoundEvent) and event.change == "new":
            await kernel.db.pool.execute("INSERT INTO example.seen (round) VALUES ($1)",
                                         f"{event.map_name} R{event.round_number}")

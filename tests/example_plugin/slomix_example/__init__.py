"""An example third-party plugin: a command, a route, a migration and an on_round reaction."""

from __future__ import annotations

import msgspec

from slomix.kernel import Arg, Command, Context, MigrationSet, Reply, Request, Route, hookimpl


class ExampleSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    greeting: str = "Hello"


class Seen(msgspec.Struct):
    rounds: list[str]


class ExamplePlugin:
    @hookimpl
    def on_config_schema(self) -> type:
        return ExampleSettings

    @hookimpl
    def on_migrations(self) -> MigrationSet:
        return MigrationSet(schema="example", package="slomix_example.migrations")

    @hookimpl
    def on_command(self, kernel):
        async def hello(ctx: Context) -> Reply:
            greeting = ctx.kernel.settings_for("example").greeting
            return Reply(title=f"{greeting}, {ctx.args['name'] or ctx.actor.name}!")

        return [Command("hello", hello, "Say hello", aliases=("hi",),
                        args=(Arg("name", rest=True, help="who to greet"),))]

    @hookimpl
    def on_http_route(self, kernel):
        async def seen(request: Request) -> Seen:
            rows = await request.kernel.db.pool.fetch("SELECT round FROM example.seen ORDER BY id")
            return Seen([r["round"] for r in rows])

        return [Route("GET", "/api/example/seen", seen, summary="Rounds this plugin saw",
                      response_type=Seen)]

    @hookimpl
    async def on_round(self, event, kernel) -> None:
        await kernel.db.pool.execute("INSERT INTO example.seen (round) VALUES ($1)", str(event))

"""The synergy plugin's hooks: commands and routes over the predictions plugin's rated maps."""

from __future__ import annotations

from slomix.kernel import Kernel, hookimpl

from . import commands, routes, web


class SynergyPlugin:
    @hookimpl
    def on_startup(self, kernel: Kernel) -> None:
        needed = kernel.plugin("predictions")
        if needed is None or needed.status not in ("loaded", "active"):
            raise RuntimeError("synergy reads the rated maps of the predictions plugin: enable it")

    @hookimpl
    def on_command(self, kernel: Kernel):
        return commands.build()

    @hookimpl
    def on_http_route(self, kernel: Kernel):
        return routes.build() + web.build()

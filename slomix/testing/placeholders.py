"""A check for plugins that register before their feature is built."""

from __future__ import annotations

from slomix.kernel import Config, Kernel


def check_placeholder(name: str, version: str = "0.1.0") -> None:
    """The plugin loads and is listed, contributes nothing it does not do (no commands, routes or
    migrations), and configuration switches it off."""
    kernel = Kernel(Config({}), only={name}).load()
    info = kernel.plugin(name)
    assert (info.kind, info.status, info.version) == ("plugin", "loaded", version)
    assert kernel.commands.commands == {}
    assert kernel.routes == []
    assert [s.plugin for s in kernel.migration_sets] == ["kernel"]
    off = Kernel(Config({"plugins": {name: {"enabled": False}}}), only={name}).load()
    assert off.pm.get_plugin(name) is None

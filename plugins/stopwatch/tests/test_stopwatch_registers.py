"""The stopwatch plugin registers, can be switched off, and claims nothing it does not do yet."""

import pytest

from slomix.kernel import Config, Kernel


def test_registers_without_pretending() -> None:
    kernel = Kernel(Config({}), only={"stopwatch"}).load()
    info = kernel.plugin("stopwatch")
    assert (info.kind, info.status, info.version) == ("plugin", "loaded", "0.1.0")
    assert kernel.commands.commands == {}
    assert kernel.routes == []
    assert [s.plugin for s in kernel.migration_sets] == ["kernel"]


@pytest.mark.parametrize("enabled", [True, False])
def test_switch(enabled) -> None:
    kernel = Kernel(Config({"plugins": {"stopwatch": {"enabled": enabled}}}), only={"stopwatch"}).load()
    assert (kernel.pm.get_plugin("stopwatch") is not None) is enabled

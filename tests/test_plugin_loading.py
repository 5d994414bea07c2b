"""Discovery with stevedore: versions, enable/disable, isolation of broken plugins."""

from __future__ import annotations

import sys

import pytest

from slomix.kernel import Config, Kernel, hookimpl

BUILT_IN_PLUGINS = {"stats", "stopwatch", "predictions", "greatshot", "proximity", "synergy"}
ADAPTERS = {"discord", "http", "ssh"}


def test_every_built_in_is_discovered_with_its_version() -> None:
    kernel = Kernel(Config({})).load()
    found = {(p.name, p.kind) for p in kernel.plugins}
    assert {(n, "plugin") for n in BUILT_IN_PLUGINS} <= found
    assert {(n, "adapter") for n in ADAPTERS} <= found
    assert all(p.version == "0.1.0" for p in kernel.plugins if p.name in BUILT_IN_PLUGINS | ADAPTERS)
    assert all(p.status == "loaded" for p in kernel.plugins if p.name in BUILT_IN_PLUGINS | ADAPTERS)


def test_disabled_plugin_is_listed_but_not_imported_or_registered() -> None:
    kernel = Kernel(Config({"plugins": {"synergy": {"enabled": False}},
                            "adapters": {"ssh": {"enabled": False}}})).load()
    assert kernel.plugin("synergy").status == "disabled"
    assert kernel.pm.get_plugin("synergy") is None and kernel.pm.get_plugin("ssh") is None
    assert kernel.pm.get_plugin("stats") is not None


def test_broken_third_party_plugin_is_reported_and_skipped(broken_plugin_path, monkeypatch) -> None:
    monkeypatch.syspath_prepend(str(broken_plugin_path))
    kernel = Kernel(Config({})).load()
    broken = kernel.plugin("broken")
    assert broken.status == "failed"
    assert "this plugin is broken on purpose" in broken.error
    assert kernel.plugin("stats").status == "loaded"
    assert "slomix_broken" not in sys.modules or kernel.pm.get_plugin("broken") is None


def test_typo_in_a_hook_name_fails_that_plugin_only() -> None:
    class Typo:
        @hookimpl
        def on_rund(self, round):
            pass

    kernel = Kernel(Config({}), only=set(), extra={"typo": ("plugin", Typo())}).load()
    assert kernel.plugin("typo").status == "failed"
    assert "unknown hook(s): on_rund" in kernel.plugin("typo").error


def test_a_plugin_that_declares_nothing_says_so_instead_of_running() -> None:
    from slomix.kernel.plugins import shown_status

    class Empty:
        """Registered fine, but implements no hook: it can do nothing."""

    kernel = Kernel(Config({}), only={"stats"}, extra={"empty": ("plugin", Empty())}).load()
    empty, stats = kernel.plugin("empty"), kernel.plugin("stats")
    assert (empty.status, empty.declares) == ("loaded", [])
    assert shown_status(empty.as_json()) == "loaded, declares nothing"
    assert shown_status(stats.as_json()) == "loaded"
    assert "on_command" in stats.declares and stats.as_json()["declares"] == stats.declares
    # The home page's status card counts it apart (the /health entries it reads are these).
    from slomix_stats.web.home import _status

    card = _status({"status": "ok", "database": {"status": "ok"}, "plugins": [p.as_json() for p in kernel.plugins]})
    assert "1 plugin running, declaring nothing: empty" in card


def test_wrong_hook_arguments_fail_that_plugin_only() -> None:
    class WrongArgs:
        @hookimpl
        def on_round(self, event, colour):
            pass

    kernel = Kernel(Config({}), only=set(), extra={"wrong": ("plugin", WrongArgs())}).load()
    assert kernel.plugin("wrong").status == "failed"
    assert "colour" in kernel.plugin("wrong").error


def test_command_name_clash_keeps_the_first_owner() -> None:
    from slomix.kernel import Command, Reply

    async def h(ctx):
        return Reply()

    class A:
        @hookimpl
        def on_command(self):
            return [Command("same", h, "a")]

    class B:
        @hookimpl
        def on_command(self):
            return [Command("other", h, "b", aliases=("same",))]

    kernel = Kernel(Config({}), only=set(), extra={"a": ("plugin", A()), "b": ("plugin", B())}).load()
    owners = {kernel.commands.get("same").plugin}
    assert len(owners) == 1
    assert any("already registered" in e for errs in kernel.errors.values() for e in errs)


def test_plugin_only_list_restricts_loading() -> None:
    kernel = Kernel(Config({}), only={"stats"}).load()
    assert [p.name for p in kernel.active] == ["stats"]


@pytest.mark.parametrize("name", sorted(BUILT_IN_PLUGINS | ADAPTERS))
def test_each_built_in_can_be_switched_off(name) -> None:
    kind = "adapters" if name in ADAPTERS else "plugins"
    kernel = Kernel(Config({kind: {name: {"enabled": False}}})).load()
    assert kernel.plugin(name).status == "disabled" and kernel.pm.get_plugin(name) is None

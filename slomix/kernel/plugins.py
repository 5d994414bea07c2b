"""Finding, importing and registering adapters and plugins, each in isolation.

stevedore finds and imports entry points (a failing import is reported, not
fatal); pluggy registers the objects and calls their hooks. A plugin that
fails at any step is recorded with its reason and left out.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any, Literal

import pluggy
from stevedore import ExtensionManager, NamedExtensionManager

from . import hookspecs
from .config import Config

log = logging.getLogger("slomix.plugins")

Kind = Literal["adapter", "plugin"]
GROUPS: dict[Kind, str] = {"adapter": "slomix.adapters", "plugin": "slomix.plugins"}


@dataclass(slots=True)
class PluginInfo:
    """One discovered adapter or plugin and how it fared."""

    name: str
    kind: Kind
    version: str | None
    enabled: bool
    status: str  # disabled | loaded | active | failed
    error: str | None = None
    obj: Any = None
    distribution: str | None = None
    # The hooks it implements, once registered: none means it is loaded but does nothing at all.
    declares: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "version": self.version,
                "enabled": self.enabled, "status": self.status, "error": self.error,
                "declares": list(self.declares)}

    def fail(self, reason: str) -> None:
        self.status = "failed"
        self.error = reason
        log.error("%s %r failed: %s", self.kind, self.name, reason)


def shown_status(entry: dict[str, Any]) -> str:
    """A plugin's status (``as_json``, as /health serves it) as a person should read it: one that is
    loaded but declares no hook does nothing, and says so instead of reading as running."""
    if entry["status"] in ("loaded", "active") and not entry.get("declares"):
        return f"{entry['status']}, declares nothing"
    return entry["status"]


def new_plugin_manager() -> pluggy.PluginManager:
    pm = pluggy.PluginManager("slomix")
    pm.add_hookspecs(hookspecs)
    return pm


def _entry_points(group: str) -> dict[str, metadata.EntryPoint]:
    return {ep.name: ep for ep in metadata.entry_points(group=group)}


def _instantiate(target: Any) -> Any:
    # An entry point may name a class (instantiated once per kernel, so two
    # kernels in one process share no state) or a module/object used as is.
    return target() if isinstance(target, type) else target


def unknown_hooks(pm: pluggy.PluginManager, obj: Any) -> list[str]:
    """Hook implementations on ``obj`` that match no hookspec (typos like ``on_rund``)."""
    names = []
    for attr in dir(obj):
        if pm.parse_hookimpl_opts(obj, attr) is not None:
            caller = getattr(pm.hook, attr, None)
            if caller is None or caller.spec is None:
                names.append(attr)
    return names


def register(pm: pluggy.PluginManager, info: PluginInfo, obj: Any) -> None:
    """Register ``obj`` under ``info.name``; failures are recorded on ``info``."""
    unknown = unknown_hooks(pm, obj)
    if unknown:
        info.fail(f"implements unknown hook(s): {', '.join(unknown)}")
        return
    try:
        pm.register(obj, name=info.name)
    except Exception as error:
        info.fail(f"cannot register: {error}")
        return
    info.obj = obj
    info.status = "loaded"
    info.declares = sorted(attr for attr in dir(obj) if pm.parse_hookimpl_opts(obj, attr) is not None)


def load(
    pm: pluggy.PluginManager,
    config: Config,
    *,
    only: set[str] | None = None,
    extra: Mapping[str, tuple[Kind, Any]] | None = None,
) -> list[PluginInfo]:
    """Discover every adapter and plugin, import and register the enabled ones.

    ``only`` restricts loading to those names (the testing kit's chosen set);
    ``extra`` registers ready objects under a name without entry points.
    """
    infos: list[PluginInfo] = []
    for kind, group in GROUPS.items():
        eps = _entry_points(group)
        chosen: dict[str, PluginInfo] = {}
        for name, ep in sorted(eps.items()):
            enabled = config.enabled(kind, name) and (only is None or name in only)
            dist = ep.dist
            info = PluginInfo(name, kind, dist.version if dist else None, enabled,
                              "loaded" if enabled else "disabled",
                              distribution=dist.name if dist else None)
            infos.append(info)
            if enabled:
                chosen[name] = info
        if chosen:
            failures: dict[str, str] = {}

            def on_failure(_manager: Any, ep: Any, error: Exception, failures=failures) -> None:
                failures[ep.name] = f"import failed: {type(error).__name__}: {error}"

            # stevedore memoises each group's entry points per process; the listing
            # above reads importlib.metadata afresh, so make both see the same set.
            ExtensionManager.ENTRY_POINT_CACHE.pop(group, None)
            manager = NamedExtensionManager(
                group, names=list(chosen), invoke_on_load=False, name_order=True,
                on_load_failure_callback=on_failure, propagate_map_exceptions=False,
                on_missing_entrypoints_callback=lambda names, failures=failures: [
                    failures.setdefault(n, "entry point not found") for n in names],
            )
            for ext in manager:
                try:
                    obj = _instantiate(ext.plugin)
                except Exception as error:
                    chosen[ext.name].fail(f"cannot create: {type(error).__name__}: {error}")
                    continue
                register(pm, chosen[ext.name], obj)
            for name, reason in failures.items():
                chosen[name].fail(reason)
    for name, (kind, obj) in (extra or {}).items():
        info = PluginInfo(name, kind, None, config.enabled(kind, name), "disabled")
        infos.append(info)
        if info.enabled:
            register(pm, info, obj)
    return infos

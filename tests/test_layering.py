"""The layering holds by test, not by discipline: only the HTTP adapter imports Starlette, every route
handler takes the kernel's Request, and the import-linter contracts name every package."""

from __future__ import annotations

import inspect
import tomllib
from pathlib import Path

from slomix.kernel import Config, Kernel, Request

ROOT = Path(__file__).resolve().parents[1]


def test_only_the_http_adapter_imports_starlette() -> None:
    importers = sorted(str(p.relative_to(ROOT)) for p in ROOT.rglob("*.py")
                       if not {".venv", ".tox", ".bench"} & set(p.parts) and "starlette" in p.read_text()
                       and p.resolve() != Path(__file__).resolve())
    assert importers and all(path.startswith("adapters/http/") for path in importers), importers


def test_every_route_handler_takes_the_kernels_request() -> None:
    kernel = Kernel(Config({})).load()
    assert kernel.routes
    for route in kernel.routes:
        first = next(iter(inspect.signature(route.handler, eval_str=True).parameters.values()))
        assert first.annotation is Request, f"{route.plugin} {route.method} {route.path}: {first.annotation}"


def test_the_import_contracts_name_every_package() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    # isidentifier: setuptools' editable installs leave slomix_x.egg-info folders beside the packages
    packages = {p.name for folder in ("plugins", "adapters") for p in (ROOT / folder).glob("*/slomix_*")
                if p.is_dir() and p.name.isidentifier()}
    assert packages <= set(config["root_packages"]), packages - set(config["root_packages"])
    contracts = {c["name"]: c for c in config["contracts"]}
    plugins = {p.name for p in (ROOT / "plugins").glob("*/slomix_*") if p.is_dir() and p.name.isidentifier()}
    adapters = {p.name for p in (ROOT / "adapters").glob("*/slomix_*") if p.is_dir() and p.name.isidentifier()}
    assert plugins | adapters <= set(contracts["the kernel knows no plugin and no adapter"]["forbidden_modules"])
    assert plugins <= set(contracts["an adapter imports no plugin"]["forbidden_modules"])
    assert adapters <= set(contracts["an adapter imports no plugin"]["source_modules"])
    assert plugins <= set(contracts["a plugin reaches another plugin only through its api module"]["source_modules"])


def test_tox_tests_and_lints_every_plugin_and_adapter() -> None:
    """A new plugin or adapter gets its own tox environment and is on the lint step's path (where
    import-linter finds it); a folder missing from either is checked by nothing in bin/test."""
    tox = (ROOT / "tox.ini").read_text()
    [env_list] = [line for line in tox.splitlines() if line.startswith("env_list")]
    [lint_path] = [line for line in tox.splitlines() if line.strip().startswith("PYTHONPATH")]
    for kind in ("plugin", "adapter"):
        for folder in (ROOT / f"{kind}s").iterdir():
            if (folder / "pyproject.toml").is_file():
                assert f"{{tox_root}}/{kind}s/{folder.name}[dev]" in tox, f"no tox environment installs {folder}"
                assert folder.name in env_list, f"{kind}-{folder.name} is not in tox's env_list"
                assert f"{{tox_root}}/{kind}s/{folder.name}" in lint_path, f"{folder} is not on the lint path"

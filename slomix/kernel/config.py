"""Configuration: one TOML file plus environment overrides, validated per section.

Layout::

    [slomix]                 # the kernel's own settings (KernelSettings)
    data_dir = ".slomix"
    database_url = { env = "DATABASE_URL" }

    [adapters.http]          # one section per adapter ...
    port = 8000

    [plugins.stats]          # ... and per plugin, validated by its on_config_schema
    enabled = true

Environment overrides: ``SLOMIX__PLUGINS__STATS__SESSION_GAP_MINUTES=90`` sets
``plugins.stats.session_gap_minutes`` (the value is read as TOML when it parses,
else as a string). Shortcuts: ``SLOMIX_DATA_DIR``, ``SLOMIX_DATABASE_URL``; plugins and adapters
offer their own through ``on_shortcuts`` (``SLOMIX_HTTP_PORT``).
"""

from __future__ import annotations

import copy
import difflib
import logging
import os
import re
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec

from .errors import ConfigError

log = logging.getLogger("slomix.config")
DEFAULT_PATH = "slomix.toml"
GENERIC_KEYS = ("enabled", "timeout")
TOP_LEVEL = ("slomix", "plugins", "adapters")
USER_ID = re.compile(r"[a-z][a-z0-9_]*:[^\s:]+")
_PATH_IN_MESSAGE = re.compile(r" - at `\$(?P<path>[^`]*)`$")


class Secret(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A reference to a secret held in an environment variable, never the secret itself.

    In TOML: ``token = { env = "DISCORD_TOKEN" }``.
    """

    env: str

    def reveal(self) -> str | None:
        """The secret's value now, or None when the variable is unset or empty."""
        return os.environ.get(self.env) or None

    def __repr__(self) -> str:
        return f"Secret(env={self.env!r})"


class JobSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``[slomix.jobs]``: the job workers of ``slomix run`` and ``slomix worker``."""

    # `slomix run` runs a worker for every queue a job kind names (off: leave jobs to `slomix worker`).
    run_workers: bool = True
    default_concurrency: int = 2
    concurrency: dict[str, int] = {}  # per queue
    # A worker silent this long is taken for dead, and another worker takes over its job.
    heartbeat_seconds: float = 30.0
    keep_days: float = 14.0  # finished jobs are forgotten after this

    def __post_init__(self) -> None:
        if self.default_concurrency < 1 or any(n < 1 for n in self.concurrency.values()):
            raise ValueError("a queue's concurrency is at least 1")
        if self.heartbeat_seconds <= 0 or self.keep_days <= 0:
            raise ValueError("heartbeat_seconds and keep_days must be positive")


class BackupSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """``[slomix.backup]``: the daily backup ``slomix run`` makes (``slomix backup`` by hand)."""

    daily_at: str = ""  # "HH:MM" in ``timezone``; empty: no scheduled backup
    timezone: str = "UTC"
    keep: int = 7  # the newest this many scheduled backups stay, older ones are deleted
    folder: str = ""  # default: <data_dir>/backups

    def __post_init__(self) -> None:
        if self.daily_at and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", self.daily_at):
            raise ValueError(f"daily_at is HH:MM (24 h), not {self.daily_at!r}")
        if self.keep < 1:
            raise ValueError(f"keep is at least 1, not {self.keep}")


class KernelSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """The ``[slomix]`` section."""

    data_dir: str = ".slomix"
    database_url: Secret | None = None
    log_level: str = "info"
    plugin_timeout: float = 30.0
    auto_migrate: bool = True
    root_users: list[str] = []
    jobs: JobSettings = msgspec.field(default_factory=JobSettings)
    backup: BackupSettings = msgspec.field(default_factory=BackupSettings)


class Config:
    """The merged configuration: raw sections plus the validated kernel settings."""

    def __init__(self, data: Mapping[str, Any] | None = None, source: str = "<defaults>",
                 env: Mapping[str, str] | None = None) -> None:
        self.data: dict[str, Any] = dict(data or {})
        self.source = source
        self.env: Mapping[str, str] = env or {}  # read for plugins' shortcuts (on_shortcuts)
        for key, value in self.data.items():
            if key not in TOP_LEVEL:
                raise ConfigError(key, f"unknown section (sections: {', '.join(TOP_LEVEL)})")
            if not isinstance(value, dict):
                raise ConfigError(key, f"must be a table, got {value!r}")
        self.kernel = validate(self.data.get("slomix", {}), KernelSettings, "slomix")
        for index, user in enumerate(self.kernel.root_users):
            if not USER_ID.fullmatch(user):
                raise ConfigError(f"slomix.root_users[{index}]",
                                  f"{user!r} is not a user id (adapter:id, e.g. discord:123456789012345678)")

    def check_sections(self, known: Mapping[str, set[str]]) -> None:
        """A ``[plugins.<name>]`` / ``[adapters.<name>]`` that is a typo of an installed one
        (``[plugins.statz]``) is an error: it would configure, or disable, nothing. One far from
        every installed name is a plugin this install lacks (a shared config): a warning."""
        for kind, names in known.items():
            for name in self.data.get(f"{kind}s", {}):
                if name in names:
                    continue
                close = difflib.get_close_matches(name, sorted(names), n=1)
                if close:
                    raise ConfigError(f"{kind}s.{name}",
                                      f"no installed {kind} is called {name!r} (did you mean {close[0]}?)")
                log.warning("config: [%ss.%s] names no installed %s (installed: %s): ignored",
                            kind, name, kind, ", ".join(sorted(names)))

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None) -> Config:
        """Read the file (``--config``, else ``$SLOMIX_CONFIG``, else ./slomix.toml if present)."""
        env = os.environ if env is None else env
        explicit = path or env.get("SLOMIX_CONFIG")
        file = Path(explicit or DEFAULT_PATH)
        data: dict[str, Any] = {}
        if file.exists():
            try:
                data = tomllib.loads(file.read_text(encoding="utf-8"))
            except tomllib.TOMLDecodeError as error:
                raise ConfigError("", f"{file}: {error}") from None
            except UnicodeDecodeError as error:
                line = file.read_bytes()[:error.start].count(b"\n") + 1
                raise ConfigError("", f"{file}: not UTF-8 text (line {line}, byte {error.start})") from None
            except OSError as error:
                raise ConfigError("", f"cannot read {file}: {error.strerror}") from None
        elif explicit:
            raise ConfigError("", f"config file {file} does not exist")
        apply_env(data, env)
        return cls(data, source=str(file) if file.exists() else "<defaults>", env=env)

    def section(self, kind: str, name: str) -> dict[str, Any]:
        """The raw ``[plugins.<name>]`` / ``[adapters.<name>]`` table (empty when absent)."""
        value = self.data.get(f"{kind}s", {}).get(name, {})
        if not isinstance(value, dict):
            raise ConfigError(f"{kind}s.{name}", "must be a table")
        return value

    def enabled(self, kind: str, name: str) -> bool:
        value = self.section(kind, name).get("enabled", True)
        if not isinstance(value, bool):
            raise ConfigError(f"{kind}s.{name}.enabled", f"Expected `bool`, got {value!r}")
        return value

    def timeout(self, kind: str, name: str) -> float:
        value = self.section(kind, name).get("timeout", self.kernel.plugin_timeout)
        if not isinstance(value, int | float) or value <= 0:
            raise ConfigError(f"{kind}s.{name}.timeout", f"Expected a positive number, got {value!r}")
        return float(value)

    def set(self, dotted: str, value: Any) -> None:
        """Set a value by key path (used by CLI flags and tests)."""
        _assign(self.data, dotted.split("."), value)
        if dotted.startswith("slomix."):
            self.kernel = validate(self.data.get("slomix", {}), KernelSettings, "slomix")

    @property
    def data_dir(self) -> Path:
        return Path(self.kernel.data_dir).expanduser()


def validate[T](raw: Mapping[str, Any], schema: type[T], path: str) -> T:
    """Convert a raw table into ``schema``; errors name the full key path."""
    body = {k: v for k, v in raw.items() if k not in GENERIC_KEYS} if path != "slomix" else raw
    body = copy.deepcopy(body)
    while True:
        try:
            return msgspec.convert(body, type=schema, strict=False)
        except msgspec.ValidationError as error:
            message = str(error)
            match = _PATH_IN_MESSAGE.search(message)
            where = path
            if match:
                message = message[: match.start()]
                where = path + re.sub(r"\[(\d+)\]", r"[\1]", match.group("path"))
                # A whole number from the environment where text is wanted (a Discord id) is that
                # text: a shell variable has no quotes to say which it is.
                if message.startswith("Expected `str") and message.endswith("got `int`") and \
                        _number_to_text(body, match.group("path")):
                    continue
            raise ConfigError(where, message) from None


def _number_to_text(body: Any, path: str) -> bool:
    """Replace the environment's whole number at msgspec's ``path`` (``.a.b[0]``) with its text; False
    when it is none."""
    keys: list[Any] = [int(k[1:-1]) if k.startswith("[") else k for k in re.findall(r"\[\d+\]|[^.\[\]]+", path)]
    node = body
    for key in keys[:-1]:
        node = node[key]
    value = node[keys[-1]] if keys else None
    if type(value) is not EnvNumber:
        return False
    node[keys[-1]] = str(value)
    return True


def apply_env(data: dict[str, Any], env: Mapping[str, str]) -> None:
    """Fold ``SLOMIX__A__B=value`` variables and the documented shortcuts into ``data``."""
    if env.get("SLOMIX_DATA_DIR"):
        _assign(data, ["slomix", "data_dir"], env["SLOMIX_DATA_DIR"])
    if env.get("SLOMIX_DATABASE_URL"):
        # The URL may hold a password: keep it a reference, resolved when the pool opens.
        _assign(data, ["slomix", "database_url"], {"env": "SLOMIX_DATABASE_URL"})
    for key, value in env.items():
        if key.startswith("SLOMIX__") and len(key) > 8:
            _assign(data, [part.lower() for part in key[8:].split("__")], _parse_value(value))


class EnvNumber(int):
    """A whole number read from an environment variable: text too, when text is wanted."""


def _parse_value(text: str) -> Any:
    try:
        value = tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text
    return EnvNumber(value) if type(value) is int else value


def _assign(data: dict[str, Any], keys: list[str], value: Any) -> None:
    node = data
    for key in keys[:-1]:
        child = node.setdefault(key, {})
        if not isinstance(child, dict):
            raise ConfigError(".".join(keys), f"{key} is not a table")
        node = child
    node[keys[-1]] = value

"""Errors the kernel raises, each with the exit code the CLI gives it."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Distinct process exit codes, so scripts can tell failures apart."""

    OK = 0
    FAILED = 1
    USAGE = 2
    CONFIG = 3
    PLUGIN = 4
    DATABASE = 5
    UNKNOWN_COMMAND = 6
    MIGRATION = 7
    PERMISSION = 8
    LOCKED = 9


class SlomixError(Exception):
    """Base of the kernel's errors; ``str()`` is the one line shown to users."""

    exit_code = ExitCode.FAILED


class ConfigError(SlomixError):
    """The configuration is unreadable or a value is invalid; names the key path."""

    exit_code = ExitCode.CONFIG

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"config error at {path}: {message}" if path else f"config error: {message}")


class PluginError(SlomixError):
    """A plugin could not be loaded, configured or started."""

    exit_code = ExitCode.PLUGIN

    def __init__(self, plugin: str, message: str) -> None:
        self.plugin = plugin
        super().__init__(f"plugin {plugin!r}: {message}")


class DatabaseUnavailable(SlomixError):
    """The database could not be reached or started."""

    exit_code = ExitCode.DATABASE


class DatabaseFailed(DatabaseUnavailable):
    """The database failed while in use (connection lost, server shut down or crashed, disk full):
    nothing is wrong with the data being stored, so nothing is quarantined; try again later."""


class StorageFailed(SlomixError):
    """The local disk failed (full, read-only, I/O error) while files were being stored."""


class Locked(SlomixError):
    """Another process holds a lock this one needs (a second ``slomix run`` on one data dir)."""

    exit_code = ExitCode.LOCKED


class MigrationError(SlomixError):
    """A migration cannot be applied, or an applied one was changed afterwards."""

    exit_code = ExitCode.MIGRATION


class UnknownCommand(SlomixError):
    """No registered command has this name or alias."""

    exit_code = ExitCode.UNKNOWN_COMMAND

    def __init__(self, name: str, suggestions: list[str] | None = None) -> None:
        self.name = name
        self.suggestions = suggestions or []
        hint = f" (did you mean {', '.join(self.suggestions)}?)" if self.suggestions else ""
        super().__init__(f"unknown command {name!r}{hint}")


class UsageError(SlomixError):
    """A command's arguments do not parse; the message says which and why."""

    exit_code = ExitCode.USAGE


class PermissionDenied(SlomixError):
    """The caller's permission tier is below the command's or route's."""

    exit_code = ExitCode.PERMISSION

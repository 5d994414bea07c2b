"""The Slomix kernel: the hook contract and the services plugins build on.

Plugins import what they need from here::

    from slomix.kernel import hookimpl, Command, Arg, Reply, Route, MigrationSet
"""

from .commands import Arg, Command, CommandRegistry, Context
from .config import Config, Secret
from .errors import (
    ConfigError,
    DatabaseUnavailable,
    ExitCode,
    MigrationError,
    PermissionDenied,
    PluginError,
    SlomixError,
    UnknownCommand,
    UsageError,
)
from .files import FileOutcome, IncomingFile
from .hookspecs import hookimpl
from .migrations import MigrationSet
from .permissions import Actor, Tier
from .reply import Announcement, Field, Image, Reply, Table
from .routes import Route
from .runtime import Kernel
from .subcommands import SubCommand

__all__ = [
    "Actor", "Announcement", "Arg", "Command", "CommandRegistry", "Config", "ConfigError", "Context",
    "DatabaseUnavailable", "ExitCode", "Field", "FileOutcome", "Image", "IncomingFile", "Kernel",
    "MigrationError", "MigrationSet", "PermissionDenied", "PluginError", "Reply", "Route",
    "Secret", "SlomixError", "SubCommand", "Table", "Tier", "UnknownCommand", "UsageError",
    "hookimpl",
]

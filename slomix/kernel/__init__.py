"""The Slomix kernel: the hook contract and the services plugins build on.

Plugins import what they need from here::

    from slomix.kernel import hookimpl, Command, Arg, Reply, Route, Request, NotFound, MigrationSet
"""

from .commands import Arg, Command, CommandRegistry, Context, Someone
from .config import Config, Secret
from .errors import (
    ConfigError,
    DatabaseFailed,
    DatabaseUnavailable,
    ExitCode,
    Locked,
    MigrationError,
    PermissionDenied,
    PluginError,
    SlomixError,
    StorageFailed,
    UnknownCommand,
    UsageError,
)
from .files import FileOutcome, IncomingFile
from .forms import Form, UploadedFile
from .hookspecs import hookimpl
from .jobs import Job, JobInfo, JobKind
from .migrations import MigrationSet
from .permissions import CLI_ACTOR, Actor, Tier
from .presence import Presence, VoiceChannel, VoiceMember
from .reply import Action, Announcement, Field, Image, Reply, Table
from .routes import Route
from .runtime import Kernel
from .shortcuts import Shortcut
from .subcommands import SubCommand
from .web import (
    BadRequest,
    Conflict,
    FileResponse,
    Forbidden,
    Headers,
    HTTPError,
    JSONResponse,
    NotFound,
    Page,
    PayloadTooLarge,
    Redirect,
    Request,
    Response,
    RouteResult,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
    Unprocessable,
    UnsupportedMediaType,
)

__all__ = [
    "CLI_ACTOR",
    "Action",
    "Actor",
    "Announcement",
    "Arg",
    "BadRequest",
    "Command",
    "CommandRegistry",
    "Config",
    "ConfigError",
    "Conflict",
    "Context",
    "DatabaseFailed",
    "DatabaseUnavailable",
    "ExitCode",
    "Field",
    "FileOutcome",
    "FileResponse",
    "Forbidden",
    "Form",
    "HTTPError",
    "Headers",
    "Image",
    "IncomingFile",
    "JSONResponse",
    "Job",
    "JobInfo",
    "JobKind",
    "Kernel",
    "Locked",
    "MigrationError",
    "MigrationSet",
    "NotFound",
    "Page",
    "PayloadTooLarge",
    "PermissionDenied",
    "PluginError",
    "Presence",
    "Redirect",
    "Reply",
    "Request",
    "Response",
    "Route",
    "RouteResult",
    "Secret",
    "ServiceUnavailable",
    "Shortcut",
    "SlomixError",
    "Someone",
    "StorageFailed",
    "SubCommand",
    "Table",
    "Tier",
    "TooManyRequests",
    "Unauthorized",
    "UnknownCommand",
    "Unprocessable",
    "UnsupportedMediaType",
    "UploadedFile",
    "UsageError",
    "VoiceChannel",
    "VoiceMember",
    "hookimpl",
]

"""Adapter-neutral commands and the one registry every adapter dispatches through."""

from __future__ import annotations

import difflib
import logging
import re
import shlex
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .errors import PermissionDenied, UnknownCommand, UsageError
from .permissions import Actor, Tier
from .reply import Reply

if TYPE_CHECKING:
    from .forms import UploadedFile
    from .runtime import Kernel

log = logging.getLogger("slomix.commands")

PREFIX = "!"
_TYPE_NAMES = {str: "text", int: "whole number", float: "number", bool: "yes/no"}
_TRUE = {"1", "true", "yes", "on", "y"}
_FALSE = {"0", "false", "no", "off", "n"}

Completer = Callable[["Kernel", str], Awaitable[list[str]]]
_MENTION = re.compile(r"^<@!?(\d{1,25})>$")


@dataclass(frozen=True, slots=True)
class Someone:
    """An argument naming a player or a Discord member (``Arg("who", type=Someone)``).

    ``<@123>`` or ``<@!123>`` (a mention) is the member 123; anything else is ``text`` for the
    plugin to look up (a name, a GUID, an actor id such as ``discord:123``).
    """

    text: str
    member: int | None = None

    @classmethod
    def parse(cls, text: str) -> Someone:
        text = text.strip()
        found = _MENTION.match(text)
        return cls(text, int(found[1]) if found else None)

    @property
    def actor_id(self) -> str:
        """The permission tiers' id: ``discord:<member>``, an id given whole, or a bare Discord id."""
        if self.member is not None:
            return f"discord:{self.member}"
        return self.text if ":" in self.text else f"discord:{self.text}"


@dataclass(frozen=True, slots=True)
class Arg:
    """A typed command argument.

    ``rest`` takes the rest of the line as one value (names with spaces);
    ``choices`` limits the value; ``complete`` offers suggestions while typing
    (slash-command autocomplete).
    """

    name: str
    type: type = str
    help: str = ""
    required: bool = False
    default: Any = None
    rest: bool = False
    choices: tuple[str, ...] = ()
    complete: Completer | None = None

    def convert(self, text: str) -> Any:
        if self.choices:
            lowered = text.lower()
            if lowered not in self.choices:
                raise UsageError(f"{self.name} must be one of {', '.join(self.choices)}, not {text!r}")
            return lowered
        if self.type is str:
            return text
        if self.type is Someone:
            return Someone.parse(text)
        if self.type is bool:
            if text.lower() in _TRUE:
                return True
            if text.lower() in _FALSE:
                return False
        else:
            try:
                return self.type(text)
            except ValueError:
                pass
        kind = _TYPE_NAMES.get(self.type, self.type.__name__)
        raise UsageError(f"{self.name} must be a {kind}, not {text!r}")


@dataclass(frozen=True, slots=True)
class Context:
    """What a handler gets: who asks, where, the converted arguments and the kernel.

    ``files`` are the files sent with the command (a Discord attachment, ``slomix cmd --file``),
    on disk until the handler returns; only a command with ``max_file_bytes`` gets any.
    """

    kernel: Kernel
    actor: Actor
    command: Command
    args: dict[str, Any]
    adapter: str = "cli"
    channel: str | None = None
    raw: str = ""
    files: tuple[UploadedFile, ...] = ()


Handler = Callable[[Context], Awaitable[Reply]]


@dataclass(frozen=True, slots=True)
class Command:
    """A command: name, aliases, typed arguments, help, tier and an async handler.

    ``max_file_bytes`` > 0: the command takes files sent with it, each at most that big
    (adapters refuse a larger one before reading it); 0: it takes none.
    """

    name: str
    handler: Handler
    help: str
    aliases: tuple[str, ...] = ()
    args: tuple[Arg, ...] = ()
    tier: Tier = Tier.USER
    category: str = "general"
    plugin: str = ""
    max_file_bytes: int = 0

    @property
    def usage(self) -> str:
        parts = [f"{PREFIX}{self.name}"]
        for arg in self.args:
            label = f"{arg.name}..." if arg.rest else arg.name
            parts.append(f"<{label}>" if arg.required else f"[{label}]")
        return " ".join(parts)

    def bind(self, tokens: Sequence[str]) -> dict[str, Any]:
        """Convert the words after the command name into typed arguments."""
        values: dict[str, Any] = {}
        remaining = list(tokens)
        for arg in self.args:
            if arg.rest:
                text = " ".join(remaining)
                remaining = []
            elif remaining:
                text = remaining.pop(0)
            else:
                text = ""
            if text == "":
                if arg.required:
                    raise UsageError(f"missing {arg.name}: usage {self.usage}")
                values[arg.name] = arg.default
            else:
                values[arg.name] = arg.convert(text)
        if remaining:
            raise UsageError(f"too many arguments ({' '.join(remaining)!r}): usage {self.usage}")
        return values


@dataclass(slots=True)
class CommandRegistry:
    """Name and alias → command; one registry serves Discord, the CLI and HTTP."""

    commands: dict[str, Command] = field(default_factory=dict)
    _names: dict[str, str] = field(default_factory=dict)

    def add(self, plugin: str, command: Command) -> None:
        """Register a command; a name or alias already taken is refused with the owner's name."""
        command = replace(command, plugin=plugin)
        for word in (command.name, *command.aliases):
            key = word.lower()
            if key in self._names:
                owner = self.commands[self._names[key]].plugin
                raise ValueError(f"command name {word!r} is already registered by {owner!r}")
        self.commands[command.name] = command
        for word in (command.name, *command.aliases):
            self._names[word.lower()] = command.name

    def get(self, name: str) -> Command | None:
        key = self._names.get(name.lower().removeprefix(PREFIX))
        return self.commands[key] if key else None

    def parse(self, line: str) -> tuple[Command, dict[str, Any]]:
        """Split a line such as ``!stats vid`` into its command and typed arguments."""
        try:
            words = shlex.split(line.strip())
        except ValueError as error:
            raise UsageError(f"cannot read the command line: {error}") from None
        if not words:
            raise UsageError("empty command line")
        name = words[0].removeprefix(PREFIX)
        command = self.get(name)
        if command is None:
            raise UnknownCommand(name, difflib.get_close_matches(name.lower(), list(self._names), n=3))
        return command, command.bind(words[1:])

    async def dispatch(self, kernel: Kernel, line: str, actor: Actor, *, adapter: str = "cli",
                       channel: str | None = None, files: tuple[UploadedFile, ...] = ()) -> Reply:
        """Parse, check the tier, run the handler. Unknown commands and usage errors raise;
        a refusal or a crash inside the handler becomes a polite Reply."""
        command, args = self.parse(line)
        return await self.invoke(kernel, command, args, actor, adapter=adapter, channel=channel,
                                 raw=line, files=files)

    async def invoke(self, kernel: Kernel, command: Command, args: dict[str, Any], actor: Actor,
                     *, adapter: str = "cli", channel: str | None = None, raw: str = "",
                     files: tuple[UploadedFile, ...] = ()) -> Reply:
        """Run an already-parsed command (slash commands arrive with typed options).

        ``files`` reach only a command that takes them; one over its ``max_file_bytes`` is refused."""
        try:
            await kernel.require(actor, command.tier, what=f"command {command.name}")
        except PermissionDenied as refusal:
            return Reply.fail(str(refusal), title="Not allowed")
        files = files if command.max_file_bytes else ()
        too_big = [f for f in files if f.size > command.max_file_bytes]
        if too_big:
            return Reply.fail(f"{too_big[0].filename} is {too_big[0].size:,} bytes: {PREFIX}{command.name} takes "
                              f"files up to {command.max_file_bytes:,} bytes", title="Usage")
        ctx = Context(kernel, actor, command, args, adapter, channel, raw, files)
        try:
            return await command.handler(ctx)
        except UsageError as error:
            return Reply.fail(str(error), title="Usage")
        except Exception:
            error_id = uuid.uuid4().hex[:8]
            log.exception("command %s (plugin %s) failed, error id %s", command.name,
                          command.plugin, error_id)
            return Reply.fail(f"Something went wrong. Error id {error_id}.", title="Error",
                              footer=f"error id {error_id}")

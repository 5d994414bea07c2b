"""Registry commands as nextcord slash commands: options typed from each command's Args.

nextcord reads a slash command's options from its callback's signature, so each command
gets a callback whose signature is built from its Args (the way ``@slash_command`` sees a
hand-written function). Aliases stay prefix-only: Discord allows 100 slash commands.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import nextcord

from slomix.kernel import Arg, Command, UsageError

NAME = re.compile(r"^[-_a-z0-9]{1,32}$")  # what Discord accepts as a command or option name
DESCRIPTION_MAX = 100
CHOICES_MAX = 25  # more choices than this are offered through autocomplete instead
_OPTION_TYPES: dict[type, type] = {int: int, float: float, bool: bool}

Run = Callable[[nextcord.Interaction, Command, dict[str, Any]], Awaitable[None]]
Complete = Callable[[nextcord.Interaction, Arg, str], Awaitable[None]]


def build(command: Command, *, guild_ids: Iterable[int] | None, run: Run,
          complete: Complete) -> nextcord.SlashApplicationCommand:
    """A slash command that hands its option values, by Arg name, to ``run``.

    Raises ValueError when Discord would refuse the command (its name or an option).
    """
    for name in (command.name, *(arg.name for arg in command.args)):
        if not NAME.match(name):
            raise ValueError(f"{name!r} is not a valid Discord name (lowercase, 1-32 of a-z 0-9 - _)")
    # Discord wants required options first.
    args = sorted(command.args, key=lambda arg: not arg.required)

    async def callback(interaction: nextcord.Interaction, **options: Any) -> None:
        await run(interaction, command, {arg.name: options[f"o{i}"] for i, arg in enumerate(args)})

    parameters = [inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                    annotation=nextcord.Interaction)]
    parameters += [inspect.Parameter(f"o{i}", inspect.Parameter.KEYWORD_ONLY,
                                     annotation=_OPTION_TYPES.get(arg.type, str), default=_option(arg, complete))
                   for i, arg in enumerate(args)]
    callback.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    callback.__annotations__ = {p.name: p.annotation for p in parameters}
    slash = nextcord.SlashApplicationCommand(name=command.name, description=_clip(command.help or command.name),
                                             callback=callback, guild_ids=list(guild_ids) if guild_ids else None)
    slash.from_callback(callback)  # builds the options now, so a bad one fails here, not at connect
    return slash


def _option(arg: Arg, complete: Complete) -> nextcord.SlashOption:
    completes = arg.complete is not None or len(arg.choices) > CHOICES_MAX

    async def autocomplete(interaction: nextcord.Interaction, value: Any) -> None:
        await complete(interaction, arg, str(value or ""))

    return nextcord.SlashOption(
        name=arg.name, description=_clip(arg.help or arg.name), required=arg.required, default=None,
        choices=list(arg.choices) if 0 < len(arg.choices) <= CHOICES_MAX else None,
        autocomplete=completes or None, autocomplete_callback=autocomplete if completes else None,
    )


def bind(command: Command, values: dict[str, Any]) -> dict[str, Any]:
    """Option values (already typed by Discord) → the handler's arguments, as ``Command.bind`` does for text."""
    args: dict[str, Any] = {}
    for arg in command.args:
        value = values.get(arg.name)
        if value is None or value == "":
            if arg.required:
                raise UsageError(f"missing {arg.name}: usage {command.usage}")
            args[arg.name] = arg.default
        elif isinstance(value, str):
            args[arg.name] = arg.convert(value)  # checks choices (autocomplete suggests, the user may still type)
        else:
            args[arg.name] = value
    return args


async def suggestions(kernel: Any, arg: Arg, text: str) -> list[str]:
    """What to offer while the user types ``text`` into ``arg`` (at most 25, as Discord allows)."""
    if arg.complete is not None:
        found = await arg.complete(kernel, text)
    else:
        found = [choice for choice in arg.choices if choice.startswith(text.lower())]
    return [_clip(str(item)) for item in found][:CHOICES_MAX]


def _clip(text: str, limit: int = DESCRIPTION_MAX) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"

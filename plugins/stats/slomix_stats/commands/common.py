"""What every stats command shares: the plugin state, finding a player, formatting."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from slomix.kernel import Actor, Context, Someone, UsageError

from ..queries import PlayerRef, StatsQueries


@dataclass(slots=True)
class State:
    """Set up at start-up by the plugin; handlers read it."""

    queries: StatsQueries | None = None
    # The last ambiguous search per actor, for !select.
    choices: dict[str, list[PlayerRef]] = field(default_factory=dict)
    # Charts only change when rounds do: drawn once per rebuild of the totals.
    charts: OrderedDict[tuple, bytes] = field(default_factory=OrderedDict)

    def chart(self, key: tuple, draw: Callable[[], bytes]) -> bytes:
        key = (self.q.generation, *key)
        if key not in self.charts:
            self.charts[key] = draw()
            while len(self.charts) > 128:
                self.charts.popitem(last=False)
        self.charts.move_to_end(key)
        return self.charts[key]

    @property
    def q(self) -> StatsQueries:
        assert self.queries is not None, "the stats plugin is not started"
        return self.queries


def player_completer(state: State) -> Callable[[Any, str], Awaitable[list[str]]]:
    """Suggestions while a name is typed (slash-command autocomplete): the matching players' names."""

    async def complete(kernel: Any, prefix: str) -> list[str]:
        if not prefix.strip() or state.queries is None:
            return []
        return [p.name for p in await state.q.find_players(prefix, limit=25)]

    return complete


def discord_id(actor: Actor) -> int | None:
    prefix = "discord:"
    if actor.id.startswith(prefix) and actor.id[len(prefix):].isdigit():
        return int(actor.id[len(prefix):])
    return None


async def resolve(state: State, ctx: Context, who: Someone | str | None) -> PlayerRef:
    """A player by GUID, alias (case-insensitive, partial), linked Discord user or display name.

    No text means the asker's linked player. Several matches answer with the choices.
    """
    text = who.text if isinstance(who, Someone) else who
    if not text:
        own = discord_id(ctx.actor)
        guid = await state.q.guid_for_discord(own) if own is not None else None
        if guid is None:
            raise UsageError("name a player, or link your account first with !link <your name or GUID>")
        text = guid
    mentioned = Someone.parse(text).member
    if mentioned is not None:
        guid = await state.q.guid_for_discord(mentioned)
        if guid is None:
            raise UsageError(f"{text} has not linked a game account")
        text = guid
    found = await state.q.find_players(text)
    if not found:
        raise UsageError(f"no player matches {text!r}; try !find_player")
    if len(found) > 1:
        state.choices[ctx.actor.id] = found
        listing = "; ".join(f"{i}. {p.name} ({p.guid[:8]}, {p.rounds} rounds)" for i, p in enumerate(found, 1))
        raise UsageError(f"{text!r} matches {len(found)} players: {listing}. Use the GUID, or !select <n>.")
    return found[0]


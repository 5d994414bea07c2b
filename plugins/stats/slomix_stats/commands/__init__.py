"""The stats plugin's chat commands (spec §8), grouped by what they are about."""

from __future__ import annotations

from slomix.kernel import Command, Context, Reply, Tier

from . import accounts, achievements, analytics, boards, players, sessions
from .common import State


def all_commands(state: State) -> list[Command]:
    async def cache_clear(ctx: Context) -> Reply:
        await state.q.refresh(force=True)
        return Reply(title="Cache cleared", description="Lifetime totals rebuilt from the rounds.")

    return [
        *players.commands(state), *boards.commands(state), *sessions.commands(state),
        *analytics.commands(state), *achievements.commands(state), *accounts.commands(state),
        Command("cache_clear", cache_clear, "Rebuild lifetime totals now", tier=Tier.ADMIN, category="admin"),
    ]

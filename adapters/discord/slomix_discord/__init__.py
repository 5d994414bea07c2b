"""The Discord adapter: turns the command registry into nextcord prefix and slash commands."""

from .adapter import DiscordAdapter
from .settings import DiscordSettings

__all__ = ["DiscordAdapter", "DiscordSettings"]

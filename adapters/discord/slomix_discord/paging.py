"""Sending a rendered reply: one embed, or pages behind Previous/Next buttons."""

from __future__ import annotations

import logging
from typing import Any

import nextcord

from .render import Rendered

log = logging.getLogger("slomix.discord")


class Pager(nextcord.ui.View):
    """Previous/Next buttons that swap the message's embed; anyone in the channel may flip.

    The pages live in memory: after ``timeout`` seconds (or a restart) the buttons go away.
    """

    def __init__(self, pages: list[nextcord.Embed], timeout: float) -> None:
        super().__init__(timeout=timeout, auto_defer=False)  # action buttons beside these answer themselves
        self.pages = pages
        self.index = 0
        self.message: Any = None  # set once sent, to remove the buttons on timeout
        self._update_buttons()

    @nextcord.ui.button(label="Previous", style=nextcord.ButtonStyle.secondary)
    async def previous(self, button: nextcord.ui.Button, interaction: nextcord.Interaction) -> None:
        await self._show(interaction, self.index - 1)

    @nextcord.ui.button(label="Next", style=nextcord.ButtonStyle.primary)
    async def next(self, button: nextcord.ui.Button, interaction: nextcord.Interaction) -> None:
        await self._show(interaction, self.index + 1)

    async def _show(self, interaction: nextcord.Interaction, index: int) -> None:
        self.index = max(0, min(index, len(self.pages) - 1))
        self._update_buttons()
        await interaction.response.edit_message(embed=self.pages[self.index], view=self)

    def _update_buttons(self) -> None:
        self.previous.disabled = self.index == 0
        self.next.disabled = self.index == len(self.pages) - 1

    async def on_timeout(self) -> None:
        if self.message is not None:
            try:
                await self.message.edit(view=None)
            except nextcord.HTTPException as error:  # deleted meanwhile, or no access any more
                log.debug("could not remove paging buttons: %s", error)


RUN = "slomix:run:"  # custom id prefix of an action button: the rest is the command line


def _pager(rendered: Rendered, timeout: float) -> nextcord.ui.View | None:
    """Paging buttons for several pages, and a button per action (handled by the bot, so they
    keep working after a restart: the custom id carries the command line)."""
    view: nextcord.ui.View | None = Pager(rendered.pages, timeout) if len(rendered.pages) > 1 else None
    if rendered.actions:
        # Not stored by nextcord (prevent_update=False): the bot's on_interaction answers action buttons.
        view = view or nextcord.ui.View(timeout=None, auto_defer=False, prevent_update=False)
        for action in rendered.actions:
            view.add_item(nextcord.ui.Button(label=action.label[:80], custom_id=(RUN + action.command)[:100],
                                             style=nextcord.ButtonStyle.secondary))
    return view


async def send(channel: nextcord.abc.Messageable, rendered: Rendered, *, page_timeout: float,
               reference: nextcord.Message | None = None) -> nextcord.Message:
    """Post to a channel (as a reply to ``reference`` when given)."""
    view = _pager(rendered, page_timeout)
    options: dict[str, Any] = {"embed": rendered.pages[0]}
    if rendered.images:
        options["files"] = rendered.files()
    if view is not None:
        options["view"] = view
    if reference is not None:
        options.update(reference=reference, mention_author=False)
    message = await channel.send(**options)
    if isinstance(view, Pager):
        view.message = message
    return message


async def follow_up(interaction: nextcord.Interaction, rendered: Rendered, *, page_timeout: float) -> None:
    """Answer a deferred interaction (the first follow-up replaces the "thinking" state)."""
    view = _pager(rendered, page_timeout)
    options: dict[str, Any] = {"embed": rendered.pages[0], "wait": True}
    if rendered.images:
        options["files"] = rendered.files()
    if view is not None:
        options["view"] = view
    message = await interaction.followup.send(**options)
    if isinstance(view, Pager):
        view.message = message

"""Buttons that keep working after a restart: their state lives in the custom id."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord

from bot.core.errors import StorytellerError
from bot.core.states import Control

if TYPE_CHECKING:
    from bot.discord_adapter.client import StoryBot

_CONTROL_STYLE = {
    Control.PAUSE: ("Pause", "⏸️", discord.ButtonStyle.secondary),
    Control.RESUME: ("Resume", "▶️", discord.ButtonStyle.success),
    Control.STOP: ("Stop", "⏹️", discord.ButtonStyle.danger),
    Control.FASTER: ("Faster", "⏩", discord.ButtonStyle.secondary),
    Control.SLOWER: ("Slower", "⏪", discord.ButtonStyle.secondary),
}


class LiveControl(discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"live:(?P<action>[a-z]+):(?P<channel>\d+)"):
    """Pause, Resume, Stop, Faster or Slower on a live reading's card."""

    def __init__(self, action: Control, channel_id: int) -> None:
        label, emoji, style = _CONTROL_STYLE[action]
        super().__init__(
            discord.ui.Button(label=label, emoji=emoji, style=style, custom_id=f"live:{action.value}:{channel_id}")
        )
        self.action = action
        self.channel_id = channel_id

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str]
    ) -> LiveControl:
        return cls(Control(match["action"]), int(match["channel"]))

    async def callback(self, interaction: discord.Interaction[StoryBot]) -> None:  # type: ignore[override]
        from bot.discord_adapter.cogs.reading import apply_control

        await apply_control(interaction, self.channel_id, self.action)


def live_controls(channel_id: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for action in Control:
        view.add_item(LiveControl(action, channel_id))
    return view


class PageButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"(?P<kind>page|catchup):(?P<dir>[pn]):(?P<owner>\d+):(?P<page>\d+)",
):
    """Previous or Next in a private reading (``page``, per story) or a catch-up (``catchup``, per schedule).

    The page it leads to is in the id, so the buttons work after a restart.
    """

    def __init__(self, kind: str, owner: int, page: int, forward: bool, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label="Next ▶" if forward else "◀ Previous",
                style=discord.ButtonStyle.primary,
                disabled=disabled,
                custom_id=f"{kind}:{'n' if forward else 'p'}:{owner}:{page}",
            )
        )
        self.kind, self.owner, self.page = kind, owner, page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str]
    ) -> PageButton:
        return cls(match["kind"], int(match["owner"]), int(match["page"]), match["dir"] == "n")

    async def callback(self, interaction: discord.Interaction[StoryBot]) -> None:  # type: ignore[override]
        from bot.discord_adapter.cogs.catchup import catchup_page
        from bot.discord_adapter.cogs.reading import story_page

        show = story_page if self.kind == "page" else catchup_page
        try:
            content, view = await show(interaction, self.owner, self.page)
        except StorytellerError as exc:
            await interaction.response.send_message(str(exc), ephemeral=True)
            return
        await interaction.response.edit_message(content=content, embed=None, view=view)


def page_controls(kind: str, owner: int, page: int, pages: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(PageButton(kind, owner, max(0, page - 1), False, disabled=page == 0))
    position = discord.ui.Button(label=f"{page + 1} / {pages}", disabled=True, custom_id=f"{kind}:pos:{owner}")
    view.add_item(position)
    view.add_item(PageButton(kind, owner, min(pages - 1, page + 1), True, disabled=page >= pages - 1))
    return view


class LibraryPage(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"lib:(?P<dir>[pn]):(?P<page>\d+):(?P<rating>[A-Z]{0,2}):(?P<fandom>[^:]{0,30}):(?P<search>[^:]{0,30})",
):
    """Library pagination; the filters ride along in the id so old pages still work."""

    def __init__(
        self, page: int, rating: str, fandom: str, search: str, forward: bool, *, disabled: bool = False
    ) -> None:
        fandom, search = fandom.replace(":", " ")[:30], search.replace(":", " ")[:30]
        super().__init__(
            discord.ui.Button(
                label="Next ▶" if forward else "◀ Previous",
                style=discord.ButtonStyle.secondary,
                disabled=disabled,
                custom_id=f"lib:{'n' if forward else 'p'}:{page}:{rating}:{fandom}:{search}",
            )
        )
        self.page, self.rating, self.fandom, self.search = page, rating, fandom, search

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str]
    ) -> LibraryPage:
        return cls(int(match["page"]), match["rating"], match["fandom"], match["search"], match["dir"] == "n")

    async def callback(self, interaction: discord.Interaction[StoryBot]) -> None:  # type: ignore[override]
        from bot.discord_adapter.cogs.library import render_library

        embed, view = await render_library(interaction, self.page, self.rating, self.fandom, self.search)
        await interaction.response.edit_message(embed=embed, view=view)


def library_controls(page: int, pages: int, rating: str, fandom: str, search: str) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(LibraryPage(max(0, page - 1), rating, fandom, search, False, disabled=page == 0))
    view.add_item(LibraryPage(min(pages - 1, page + 1), rating, fandom, search, True, disabled=page >= pages - 1))
    return view


class MoreButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"more:(?P<schedule>\d+):(?P<installment>\d+)"
):
    """More! under an installment: enough distinct readers release the next one early, once."""

    def __init__(self, schedule_id: int, installment: int) -> None:
        super().__init__(
            discord.ui.Button(
                label="More!",
                emoji="📖",
                style=discord.ButtonStyle.success,
                custom_id=f"more:{schedule_id}:{installment}",
            )
        )
        self.schedule_id, self.installment = schedule_id, installment

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str]
    ) -> MoreButton:
        return cls(int(match["schedule"]), int(match["installment"]))

    async def callback(self, interaction: discord.Interaction[StoryBot]) -> None:  # type: ignore[override]
        try:
            votes, quorum, released = await interaction.client.serials.more(
                self.schedule_id, self.installment, interaction.user.id
            )
        except StorytellerError as exc:
            await interaction.response.send_message(str(exc), ephemeral=True)
            return
        if released:
            message = "Enough readers asked: the next installment is on its way!"
        elif votes >= quorum:
            message = "The next installment is already on its way (or out)."
        else:
            message = f"Counted: {votes} of {quorum} readers want more."
        await interaction.response.send_message(message, ephemeral=True)


def more_button(schedule_id: int, installment: int) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    view.add_item(MoreButton(schedule_id, installment))
    return view


DYNAMIC_ITEMS = (LiveControl, PageButton, LibraryPage, MoreButton)

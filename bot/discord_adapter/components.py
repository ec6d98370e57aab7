"""Buttons and forms. Buttons keep working after a restart: their state lives in the custom id.

Each one calls a use case through ``interaction.client.app`` and renders the result
with :mod:`bot.discord_adapter.render`; no component imports a cog. Every press and
every submission is answered: a refusal or a bug goes through the one error funnel
(:func:`bot.discord_adapter.errors.answer_error`), ephemerally, instead of being logged
by discord.py while the interaction expires.
"""

from __future__ import annotations

import re
from typing import Any

import discord

from bot.app.pages import Page, PageKind
from bot.app.stories import LibraryPage as LibraryResult
from bot.core.states import Control
from bot.discord_adapter.context import actor_of, app_of, respond
from bot.discord_adapter.errors import answer_error
from bot.discord_adapter.render import clip, control_message, library_embed

Interaction = discord.Interaction[Any]


class Answered:
    """Mixin for components: the callback runs :meth:`run` and answers anything it raises."""

    async def callback(self, interaction: Interaction) -> None:
        try:
            await self.run(interaction)
        except Exception as error:
            await answer_error(interaction, error)

    async def run(self, interaction: Interaction) -> None:
        raise NotImplementedError


class AnsweredView(discord.ui.View):
    """A view whose items' errors (non-dynamic ones, e.g. a select) go through the error funnel."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    async def on_error(self, interaction: Interaction, error: Exception, item: discord.ui.Item[Any], /) -> None:
        await answer_error(interaction, error)


class AnsweredModal(discord.ui.Modal):
    """A form whose submission runs :meth:`submit`; anything it raises is answered through the funnel."""

    async def on_submit(self, interaction: Interaction, /) -> None:
        try:
            await self.submit(interaction)
        except Exception as error:
            await answer_error(interaction, error)

    async def submit(self, interaction: Interaction) -> None:
        raise NotImplementedError

    async def on_error(self, interaction: Interaction, error: Exception, /) -> None:
        await answer_error(interaction, error)


# Live readings ---------------------------------------------------------------------------------

_CONTROL_STYLE = {
    Control.PAUSE: ("Pause", "⏸️", discord.ButtonStyle.secondary),
    Control.RESUME: ("Resume", "▶️", discord.ButtonStyle.success),
    Control.STOP: ("Stop", "⏹️", discord.ButtonStyle.danger),
    Control.FASTER: ("Faster", "⏩", discord.ButtonStyle.secondary),
    Control.SLOWER: ("Slower", "⏪", discord.ButtonStyle.secondary),
}
_ACTIONS = "|".join(c.value for c in Control)


class LiveControl(
    Answered,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=rf"live:(?P<action>{_ACTIONS}):(?P<channel>\d+)",
):
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
        cls, interaction: Interaction, item: discord.ui.Button[Any], match: re.Match[str]
    ) -> LiveControl:
        return cls(Control(match["action"]), int(match["channel"]))

    async def run(self, interaction: Interaction) -> None:
        result = await app_of(interaction).readings.control(actor_of(interaction), self.channel_id, self.action)
        await respond(interaction, control_message(result), ephemeral=not result.stopped)


def live_controls(channel_id: int) -> discord.ui.View:
    view = AnsweredView()
    for action in Control:
        view.add_item(LiveControl(action, channel_id))
    return view


# Private pages ---------------------------------------------------------------------------------


class PageButton(
    Answered,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"(?P<kind>page|catchup):(?P<dir>[pn]):(?P<owner>\d+):(?P<page>\d+)",
):
    """Previous or Next in a private reading (``page``, per story) or a catch-up (``catchup``, per schedule).

    The page it leads to is in the id, so the buttons work after a restart.
    """

    def __init__(self, kind: PageKind, owner: int, page: int, forward: bool, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label="Next ▶" if forward else "◀ Previous",
                style=discord.ButtonStyle.primary,
                disabled=disabled,
                custom_id=f"{kind.value}:{'n' if forward else 'p'}:{owner}:{page}",
            )
        )
        self.kind, self.owner, self.page = kind, owner, page

    @classmethod
    async def from_custom_id(
        cls, interaction: Interaction, item: discord.ui.Button[Any], match: re.Match[str]
    ) -> PageButton:
        return cls(PageKind(match["kind"]), int(match["owner"]), int(match["page"]), match["dir"] == "n")

    async def run(self, interaction: Interaction) -> None:
        app, actor = app_of(interaction), actor_of(interaction)
        if self.kind is PageKind.STORY:
            page = await app.private.page(actor, self.owner, self.page)
        else:
            page = await app.catchup.page(actor, self.owner, self.page)
        await interaction.response.edit_message(content=page.text, embed=None, view=page_controls(page))


def page_controls(page: Page) -> discord.ui.View:
    kind, owner = page.kind, page.owner
    view = AnsweredView()
    view.add_item(PageButton(kind, owner, max(0, page.page - 1), False, disabled=page.first))
    position = discord.ui.Button(
        label=f"{page.page + 1} / {page.pages}", disabled=True, custom_id=f"{kind.value}:pos:{owner}"
    )
    view.add_item(position)
    view.add_item(PageButton(kind, owner, min(page.pages - 1, page.page + 1), True, disabled=page.last))
    return view


# The library -----------------------------------------------------------------------------------


class LibraryPage(
    Answered,
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
        cls, interaction: Interaction, item: discord.ui.Button[Any], match: re.Match[str]
    ) -> LibraryPage:
        return cls(int(match["page"]), match["rating"], match["fandom"], match["search"], match["dir"] == "n")

    async def run(self, interaction: Interaction) -> None:
        result = await app_of(interaction).stories.library(
            search=self.search, fandom=self.fandom, rating=self.rating, page=self.page, guild_id=interaction.guild_id
        )
        await interaction.response.edit_message(embed=library_embed(result), view=library_controls(result))


def library_controls(result: LibraryResult) -> discord.ui.View:
    page, pages = result.page, result.pages
    view = AnsweredView()
    for target, forward, disabled in (
        (max(0, page - 1), False, page == 0),
        (min(pages - 1, page + 1), True, page >= pages - 1),
    ):
        view.add_item(LibraryPage(target, result.rating, result.fandom, result.search, forward, disabled=disabled))
    return view


# Serials ---------------------------------------------------------------------------------------


class MoreButton(
    Answered,
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=r"more:(?P<schedule>\d+):(?P<installment>\d+)",
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
        cls, interaction: Interaction, item: discord.ui.Button[Any], match: re.Match[str]
    ) -> MoreButton:
        return cls(int(match["schedule"]), int(match["installment"]))

    async def run(self, interaction: Interaction) -> None:
        result = await app_of(interaction).schedules.more(actor_of(interaction), self.schedule_id, self.installment)
        await respond(interaction, result.message, ephemeral=True)


def more_button(schedule_id: int, installment: int) -> discord.ui.View:
    view = AnsweredView()
    view.add_item(MoreButton(schedule_id, installment))
    return view


# Feedback --------------------------------------------------------------------------------------


class FeedbackModal(AnsweredModal, title="Feedback for the author"):
    text: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(
        label="Your feedback",
        style=discord.TextStyle.paragraph,
        min_length=2,
        max_length=2000,
        custom_id="feedback_text",
    )

    def __init__(self, story_id: int, title: str) -> None:
        super().__init__(title=clip(f"Feedback: {title}", 45))
        self.story_id = story_id

    async def submit(self, interaction: Interaction) -> None:
        await app_of(interaction).responses.submit_feedback(actor_of(interaction), self.story_id, self.text.value)
        await interaction.response.send_message("Thank you: your feedback is saved for the author.", ephemeral=True)


DYNAMIC_ITEMS = (LiveControl, PageButton, LibraryPage, MoreButton)

"""/catchup: a reader who joined late reads what the channel already had, privately."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import StorytellerError
from bot.core.gating import check

if TYPE_CHECKING:
    from bot.discord_adapter.client import StoryBot

Interaction = discord.Interaction["StoryBot"]


class NothingToCatchUp(StorytellerError):
    def __init__(self) -> None:
        super().__init__("No serial has released anything in this channel yet.")


async def released_pages(bot: StoryBot, schedule_id: int) -> list[str]:
    """Every message of the installments the channel has had, in order."""
    schedule = await bot.serials.schedules.get(schedule_id)
    record = await bot.services.stories.by_id(schedule.story_id) if schedule else None
    if schedule is None or record is None:
        raise NothingToCatchUp()
    installments = await bot.services.catalog.installments(record, schedule.minutes)
    released = installments[: max(0, min(schedule.next_installment - 1, len(installments)))]
    return [message for installment in released for message in installment.messages]


class CatchupPage(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"catchup:(?P<dir>[pn]):(?P<schedule>\d+):(?P<page>\d+)"
):
    """Previous or Next in a reader's private catch-up."""

    def __init__(self, schedule_id: int, page: int, forward: bool, *, disabled: bool = False) -> None:
        super().__init__(
            discord.ui.Button(
                label="Next ▶" if forward else "◀ Previous",
                style=discord.ButtonStyle.primary,
                disabled=disabled,
                custom_id=f"catchup:{'n' if forward else 'p'}:{schedule_id}:{page}",
            )
        )
        self.schedule_id, self.page = schedule_id, page

    @classmethod
    async def from_custom_id(
        cls, interaction: discord.Interaction, item: discord.ui.Button[Any], match: re.Match[str]
    ) -> CatchupPage:
        return cls(int(match["schedule"]), int(match["page"]), match["dir"] == "n")

    async def callback(self, interaction: Interaction) -> None:  # type: ignore[override]
        content, view = await page_view(interaction, self.schedule_id, self.page)
        await interaction.response.edit_message(content=content, view=view)


async def page_view(interaction: Interaction, schedule_id: int, page: int) -> tuple[str, discord.ui.View]:
    bot = interaction.client
    pages = await released_pages(bot, schedule_id)
    if not pages:
        raise NothingToCatchUp()
    page = max(0, min(page, len(pages) - 1))
    await bot.serials.schedules.set_catchup_page(interaction.user.id, schedule_id, page, bot.clock.now())
    view = discord.ui.View(timeout=None)
    view.add_item(CatchupPage(schedule_id, max(0, page - 1), False, disabled=page == 0))
    view.add_item(discord.ui.Button(label=f"{page + 1} / {len(pages)}", disabled=True, custom_id=f"cpos:{schedule_id}"))
    view.add_item(CatchupPage(schedule_id, min(len(pages) - 1, page + 1), True, disabled=page >= len(pages) - 1))
    return pages[page], view


class Catchup(commands.Cog):
    def __init__(self, bot: StoryBot) -> None:
        self.bot = bot

    @app_commands.command(name="catchup")
    @app_commands.guild_only()
    @app_commands.describe(from_start="Start again from the first installment instead of where you left off")
    async def catchup(self, interaction: Interaction, from_start: bool = False) -> None:
        """Read, privately, the installments this channel has already had."""
        channel_id = interaction.channel_id or 0
        schedules = [s for s in await self.bot.serials.schedules.in_channel(channel_id) if s.next_installment > 1]
        if not schedules:
            raise NothingToCatchUp()
        schedule = schedules[0]
        record = await self.bot.services.stories.by_id(schedule.story_id)
        if record is None:
            raise NothingToCatchUp()
        check(record.rating, await self.bot.live.venue(channel_id))
        page = 0 if from_start else await self.bot.serials.schedules.catchup_page(interaction.user.id, schedule.id)
        content, view = await page_view(interaction, schedule.id, page)
        await interaction.response.send_message(content=content, view=view, ephemeral=True)


async def setup(bot: StoryBot) -> None:
    await bot.add_cog(Catchup(bot))

"""/catchup: a reader who joined late reads what the channel already had, privately."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import NothingToCatchUp
from bot.core.gating import check
from bot.core.recap import recap
from bot.discord_adapter.components import page_controls
from bot.discord_adapter.render import clip

if TYPE_CHECKING:
    from bot.discord_adapter.client import StoryBot

Interaction = discord.Interaction["StoryBot"]


async def released_pages(bot: StoryBot, schedule_id: int) -> list[str]:
    """Every message of the installments the channel has had, in order."""
    schedule = await bot.serials.schedules.get(schedule_id)
    record = await bot.services.stories.by_id(schedule.story_id) if schedule else None
    if schedule is None or record is None:
        raise NothingToCatchUp()
    installments = await bot.services.catalog.installments(record, schedule.minutes)
    released = installments[: max(0, min(schedule.next_installment - 1, len(installments)))]
    return [message for installment in released for message in installment.messages]


async def catchup_page(interaction: Interaction, schedule_id: int, page: int) -> tuple[str, discord.ui.View]:
    """A page of what the channel has had, remembering where the reader is."""
    bot = interaction.client
    pages = await released_pages(bot, schedule_id)
    if not pages:
        raise NothingToCatchUp()
    page = max(0, min(page, len(pages) - 1))
    await bot.serials.schedules.set_catchup_page(interaction.user.id, schedule_id, page, bot.clock.now())
    return pages[page], page_controls("catchup", schedule_id, page, len(pages))


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
        content, view = await catchup_page(interaction, schedule.id, page)
        embeds = []
        if page > 0:  # a recap of what this reader has read, and not a sentence of what they have not
            read = (await released_pages(self.bot, schedule.id))[:page]
            previously = recap(read)
            if previously:
                embeds.append(
                    discord.Embed(
                        title=clip(f"Previously in {record.title}", 256), description=clip(" ".join(previously), 4000)
                    )
                )
        await interaction.response.send_message(content=content, view=view, embeds=embeds, ephemeral=True)


async def setup(bot: StoryBot) -> None:
    await bot.add_cog(Catchup(bot))

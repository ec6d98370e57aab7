"""/catchup: a reader who joined late reads what the channel already had, privately."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_adapter.components import page_controls
from bot.discord_adapter.context import actor_of, respond
from bot.discord_adapter.render import catchup_embeds

if TYPE_CHECKING:
    from bot.discord_adapter.client import StoryBot

Interaction = discord.Interaction["StoryBot"]


class Catchup(commands.Cog):
    def __init__(self, bot: StoryBot) -> None:
        self.bot = bot
        self.app = bot.app

    @app_commands.command(name="catchup")
    @app_commands.guild_only()
    @app_commands.describe(from_start="Start again from the first installment instead of where you left off")
    async def catchup(self, interaction: Interaction, from_start: bool = False) -> None:
        """Read, privately, the installments this channel has already had."""
        start = await self.app.catchup.open(actor_of(interaction), from_start=from_start)
        await respond(
            interaction, start.page.text, view=page_controls(start.page), embeds=catchup_embeds(start), ephemeral=True
        )


async def setup(bot: StoryBot) -> None:
    await bot.add_cog(Catchup(bot))

"""/library: browse and search the stories, with pages that keep working after a restart."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_adapter.components import library_controls
from bot.discord_adapter.context import respond
from bot.discord_adapter.limits import fitted
from bot.discord_adapter.options import RATING_CHOICES, fandom_autocomplete
from bot.discord_adapter.render import library_embed

if TYPE_CHECKING:
    from bot.discord_adapter.client import StoryBot

Interaction = discord.Interaction["StoryBot"]


class Library(commands.Cog):
    def __init__(self, bot: StoryBot) -> None:
        self.bot = bot
        self.app = bot.app

    @app_commands.command(name="library")
    @app_commands.describe(
        search="Words from a title, author, fandom, tag or summary",
        fandom="Only stories from this fandom",
        rating="Only stories with this rating",
    )
    @app_commands.choices(rating=RATING_CHOICES)
    @app_commands.autocomplete(fandom=fitted(fandom_autocomplete))
    async def library(self, interaction: Interaction, search: str = "", fandom: str = "", rating: str = "") -> None:
        """Browse the library: every story, or those matching a search, fandom or rating."""
        result = await self.app.stories.library(
            search=search, fandom=fandom, rating=rating, guild_id=interaction.guild_id
        )
        await respond(interaction, embed=library_embed(result), view=library_controls(result), ephemeral=True)


async def setup(bot: StoryBot) -> None:
    await bot.add_cog(Library(bot))

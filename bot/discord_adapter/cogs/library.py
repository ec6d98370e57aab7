"""/library: browse and search the stories, with pages that keep working after a restart."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.ratings import Rating
from bot.discord_adapter.components import library_controls
from bot.discord_adapter.render import library_page

if TYPE_CHECKING:
    from bot.discord_adapter.client import StoryBot

Interaction = discord.Interaction["StoryBot"]
PAGE_SIZE = 10
RATING_CHOICES = [app_commands.Choice(name=f"{r.value}: {r.label}", value=r.value) for r in Rating]


async def render_library(
    interaction: Interaction, page: int, rating: str, fandom: str, search: str
) -> tuple[discord.Embed, discord.ui.View]:
    stories = interaction.client.services.stories
    records, total = await stories.browse(
        search=search, fandom=fandom, rating=rating, offset=page * PAGE_SIZE, limit=PAGE_SIZE
    )
    pages = max(1, -(-total // PAGE_SIZE))
    filters = " · ".join(
        f
        for f in (
            f"search “{search}”" if search else "",
            f"fandom “{fandom}”" if fandom else "",
            f"rating {rating}" if rating else "",
        )
        if f
    )
    embed = library_page(records, page=page, pages=pages, total=total, filters=filters)
    return embed, library_controls(page, pages, rating, fandom, search)


async def fandom_autocomplete(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
    fandoms = await interaction.client.services.stories.fandoms(current)
    return [app_commands.Choice(name=f[:100], value=f[:100]) for f in fandoms]


class Library(commands.Cog):
    def __init__(self, bot: StoryBot) -> None:
        self.bot = bot

    @app_commands.command(name="library")
    @app_commands.describe(
        search="Words from a title, author, fandom, tag or summary",
        fandom="Only stories from this fandom",
        rating="Only stories with this rating",
    )
    @app_commands.choices(rating=RATING_CHOICES)
    @app_commands.autocomplete(fandom=fandom_autocomplete)
    async def library(self, interaction: Interaction, search: str = "", fandom: str = "", rating: str = "") -> None:
        """Browse the library: every story, or those matching a search, fandom or rating."""
        embed, view = await render_library(interaction, 0, rating, fandom, search)
        await interaction.response.send_message(embed=embed, view=view, ephemeral=True)


async def setup(bot: StoryBot) -> None:
    await bot.add_cog(Library(bot))

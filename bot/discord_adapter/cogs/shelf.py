"""A server's own shelf: /import from an attachment or a link, and /remove."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.shelf import imported_text, removed_text
from bot.discord_adapter.context import actor_of, admin_only, app_of, respond
from bot.discord_adapter.limits import clip, fitted
from bot.discord_adapter.options import GIVEN_RATING_CHOICES
from bot.discord_adapter.render import bold, story_embed

if TYPE_CHECKING:
    from bot.discord_adapter.client import StoryBot

Interaction = discord.Interaction["StoryBot"]


async def own_story_autocomplete(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Only this server's own stories: the shared library is the operator's to change."""
    found = await app_of(interaction).shelf.own(actor_of(interaction), current)
    return [app_commands.Choice(name=clip(title, 100), value=slug[:100]) for slug, title in found]


class Shelf(commands.Cog):
    def __init__(self, bot: StoryBot) -> None:
        self.bot = bot
        self.app = bot.app

    @app_commands.command(name="import")
    @admin_only
    @app_commands.describe(
        file="A story file: .txt, .md, .html or .epub",
        url="A story's page on a site FanFicFare supports (AO3, FanFiction.net, …)",
        rating="The story's rating, if its file gives none",
    )
    @app_commands.choices(rating=GIVEN_RATING_CHOICES)
    async def import_story(
        self,
        interaction: Interaction,
        file: discord.Attachment | None = None,
        url: app_commands.Range[str, None, 2000] | None = None,
        rating: str | None = None,
    ) -> None:
        """Add a story to this server's shelf, from a file or a link (admins)."""
        actor = actor_of(interaction)
        shelf = self.app.shelf
        # Refused on what Discord declares, before a byte of the attachment is downloaded.
        shelf.check_request(actor, file=(file.filename, file.size) if file else None, url=url)
        await interaction.response.defer(ephemeral=True, thinking=True)
        if file is not None:
            imported = await shelf.import_file(actor, file.filename, await file.read(), rating=rating)
        else:
            assert url is not None  # check_request insists on one of the two

            async def progress(text: str) -> None:
                await interaction.edit_original_response(content=clip(text, 2000))

            imported = await shelf.import_link(actor, url, progress, rating=rating)
        await interaction.edit_original_response(
            content=clip(imported_text(imported, bold), 2000), embed=story_embed(imported.card)
        )

    @app_commands.command(name="remove")
    @admin_only
    @app_commands.describe(story="A story on this server's shelf")
    @app_commands.autocomplete(story=fitted(own_story_autocomplete))
    async def remove(self, interaction: Interaction, story: str) -> None:
        """Remove a story this server added with /import; its readings end (admins)."""
        removed = await self.app.shelf.remove(actor_of(interaction), story)
        await respond(interaction, removed_text(removed, bold), ephemeral=True)


async def setup(bot: StoryBot) -> None:
    await bot.add_cog(Shelf(bot))

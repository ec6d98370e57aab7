"""/settings: a server's rating limit, who may start readings, threads and time zone."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.settings import SettingsChange
from bot.discord_adapter.context import actor_of, admin_only, respond
from bot.discord_adapter.limits import fitted
from bot.discord_adapter.options import RATING_CHOICES, timezone_autocomplete
from bot.discord_adapter.render import settings_message

if TYPE_CHECKING:
    from bot.discord_adapter.client import StoryBot

Interaction = discord.Interaction["StoryBot"]


class Admin(commands.Cog):
    def __init__(self, bot: StoryBot) -> None:
        self.bot = bot
        self.app = bot.app

    @app_commands.command(name="settings")
    @admin_only
    @app_commands.describe(
        max_rating="The highest rating read in this server",
        reader_role="Only this role (and admins) may start live readings",
        everyone_reads="Let everyone start live readings again (clears the reader role)",
        threads="Open each live reading in a new thread",
        timezone="The server's time zone, e.g. Europe/Paris",
    )
    @app_commands.choices(max_rating=RATING_CHOICES[:5])
    @app_commands.autocomplete(timezone=fitted(timezone_autocomplete))
    async def settings(
        self,
        interaction: Interaction,
        max_rating: str | None = None,
        reader_role: discord.Role | None = None,
        everyone_reads: bool | None = None,
        threads: bool | None = None,
        timezone: str | None = None,
    ) -> None:
        """Show or change how Storyteller behaves in this server (admins)."""
        change = SettingsChange(
            max_rating=max_rating,
            reader_role_id=reader_role.id if reader_role else None,
            everyone_reads=bool(everyone_reads),
            threads=threads,
            timezone=timezone,
        )
        result = await self.app.settings.change(actor_of(interaction), change)
        await respond(interaction, settings_message(result), ephemeral=True)


async def setup(bot: StoryBot) -> None:
    await bot.add_cog(Admin(bot))

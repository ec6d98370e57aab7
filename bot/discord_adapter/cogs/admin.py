"""/settings: a server's rating limit, who may start readings, threads and time zone."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING
from zoneinfo import available_timezones

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.guild import GuildSettings
from bot.core.ratings import Rating
from bot.core.zones import time_zone
from bot.discord_adapter.cogs.library import RATING_CHOICES
from bot.discord_adapter.tree import respond

if TYPE_CHECKING:
    from bot.discord_adapter.client import StoryBot

Interaction = discord.Interaction["StoryBot"]
COMMON_ZONES = [
    "UTC",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Australia/Sydney",
    "Pacific/Auckland",
]


async def timezone_autocomplete(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
    typed = current.strip().lower().replace(" ", "_")
    names = COMMON_ZONES if not typed else sorted(z for z in available_timezones() if typed in z.lower())[:25]
    return [app_commands.Choice(name=n, value=n) for n in names]


def describe(settings: GuildSettings) -> str:
    role = f"<@&{settings.reader_role_id}>" if settings.reader_role_id else "everyone"
    return (
        f"**Highest rating allowed:** {settings.max_rating.value} ({settings.max_rating.label})\n"
        f"**Who may start live readings:** {role}\n"
        f"**Readings open in a new thread:** {'yes' if settings.open_threads else 'no'}\n"
        f"**Time zone:** {settings.timezone}"
    )


class Admin(commands.Cog):
    def __init__(self, bot: StoryBot) -> None:
        self.bot = bot

    @app_commands.command(name="settings")
    @app_commands.guild_only()
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.checks.has_permissions(manage_guild=True)  # enforced: default permissions only hide
    @app_commands.describe(
        max_rating="The highest rating read in this server",
        reader_role="Only this role (and admins) may start live readings",
        everyone_reads="Let everyone start live readings again (clears the reader role)",
        threads="Open each live reading in a new thread",
        timezone="The server's time zone, e.g. Europe/Paris",
    )
    @app_commands.choices(max_rating=RATING_CHOICES[:5])
    @app_commands.autocomplete(timezone=timezone_autocomplete)
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
        assert interaction.guild_id is not None
        guilds = self.bot.services.guilds
        current = await guilds.get(interaction.guild_id)
        changed = current
        if max_rating is not None:
            changed = replace(changed, max_rating=Rating.parse_level(max_rating))
        if reader_role is not None:
            changed = replace(changed, reader_role_id=reader_role.id)
        if everyone_reads:
            changed = replace(changed, reader_role_id=None)
        if threads is not None:
            changed = replace(changed, open_threads=threads)
        if timezone is not None:
            changed = replace(changed, timezone=str(time_zone(timezone)))
        if changed != current:
            await guilds.save(changed)
            await respond(interaction, "Settings saved.\n" + describe(changed), ephemeral=True)
        else:
            await respond(interaction, describe(current), ephemeral=True)


async def setup(bot: StoryBot) -> None:
    await bot.add_cog(Admin(bot))

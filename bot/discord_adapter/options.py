"""Command options shared by several cogs: choices and autocomplete, over the use cases."""

from __future__ import annotations

from typing import Any
from zoneinfo import available_timezones

import discord
from discord import app_commands

from bot.app import specs
from bot.core.ratings import Rating
from bot.discord_adapter.context import actor_of, app_of

Interaction = discord.Interaction[Any]

RATING_CHOICES = [app_commands.Choice(name=f"{r.value}: {r.label}", value=r.value) for r in Rating]
GIVEN_RATING_CHOICES = [c for c in RATING_CHOICES if c.value != Rating.U.value]  # a rating to give a story
# The choices are the command specs' (bot/app/specs.py), which the console uses too.
CATCH_UP_CHOICES = [app_commands.Choice(name=c.label, value=str(c.value)) for c in specs.CATCH_UP]
THREAD_CHOICES = [app_commands.Choice(name=c.label, value=str(c.value)) for c in specs.THREAD]
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


async def story_autocomplete(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Suggestions over titles, authors and fandoms; a useful list before anything is typed."""
    choices = []
    for slug, title in await app_of(interaction).stories.complete(current, interaction.guild_id):
        name = title if len(title) <= 100 else title[:99] + "…"
        choices.append(app_commands.Choice(name=name, value=slug[:100]))
    return choices


async def fandom_autocomplete(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
    fandoms = await app_of(interaction).stories.fandoms(current, interaction.guild_id)
    return [app_commands.Choice(name=f[:100], value=f[:100]) for f in fandoms]


async def timezone_autocomplete(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
    typed = current.strip().lower().replace(" ", "_")
    names = COMMON_ZONES if not typed else sorted(z for z in available_timezones() if typed in z.lower())[:25]
    return [app_commands.Choice(name=n, value=n) for n in names]


async def schedule_autocomplete(interaction: Interaction, current: str) -> list[app_commands.Choice[int]]:
    found = []
    for line in await app_of(interaction).schedules.choices(actor_of(interaction)):
        s = line.schedule
        channel = getattr(interaction.client.get_channel(s.channel_id), "name", s.channel_id)
        name = f"#{s.id} {line.title} in #{channel}"
        if current.strip().lower() in name.lower():
            found.append(app_commands.Choice(name=name[:100], value=s.id))
    return found[:25]

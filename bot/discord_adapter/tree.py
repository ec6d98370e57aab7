"""The command tree: every command's errors go through the one error funnel."""

from __future__ import annotations

from typing import Any

import discord
from discord import app_commands

from bot.discord_adapter.errors import answer_error


class StoryTree(app_commands.CommandTree):
    """Maps domain errors and failed checks to ephemeral replies; logs the unexpected."""

    async def on_error(self, interaction: discord.Interaction[Any], error: app_commands.AppCommandError) -> None:
        await answer_error(interaction, error)

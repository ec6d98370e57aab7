"""The command tree: one place where every command's errors become short, useful replies."""

from __future__ import annotations

import logging
import secrets
from typing import Any

import discord
from discord import app_commands

from bot.core.errors import StorytellerError

log = logging.getLogger(__name__)


async def respond(interaction: discord.Interaction, content: str | None = None, **kwargs: Any) -> None:
    """Reply whether or not the interaction was already answered (or deferred)."""
    kwargs.setdefault("allowed_mentions", discord.AllowedMentions.none())
    if interaction.response.is_done():
        await interaction.followup.send(content, **kwargs)
    else:
        await interaction.response.send_message(content, **kwargs)


class StoryTree(app_commands.CommandTree):
    """Maps domain errors and failed checks to ephemeral replies; logs the unexpected."""

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        original = getattr(error, "original", error)
        if isinstance(original, StorytellerError):
            message = str(original)
        elif isinstance(error, app_commands.MissingPermissions):
            needed = ", ".join(p.replace("_", " ").title() for p in error.missing_permissions)
            message = f"You need the {needed} permission to do that."
        elif isinstance(error, app_commands.NoPrivateMessage):
            message = "That command only works in a server."
        elif isinstance(error, app_commands.CommandOnCooldown):
            message = f"Slow down a little: try again in {error.retry_after:.0f} s."
        elif isinstance(error, app_commands.TransformerError):
            message = f"`{error.value}` is not a valid value for that option."
        elif isinstance(error, app_commands.CheckFailure):
            message = str(error) or "You can't use that command here."
        else:
            reference = secrets.token_hex(3)
            command = interaction.command.qualified_name if interaction.command else "?"
            log.error(
                "Unexpected error in /%s (reference %s, guild %s, channel %s, user %s)",
                command,
                reference,
                interaction.guild_id,
                interaction.channel_id,
                interaction.user.id,
                exc_info=original,
            )
            message = f"Something went wrong on Storyteller's side. Reference: `{reference}`."
        try:
            await respond(interaction, message, ephemeral=True)
        except discord.HTTPException:
            log.warning("Could not tell user %s about an error: %s", interaction.user.id, message)

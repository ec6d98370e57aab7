"""From an interaction to what the application layer needs: who asks, and the use cases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import discord
from discord import app_commands

from bot.app.actor import Actor
from bot.app.wiring import App
from bot.discord_adapter.limits import fit_message


def actor_of(interaction: discord.Interaction[Any]) -> Actor:
    """The member (or user) behind an interaction, with the permissions Discord resolved for the channel."""
    user = interaction.user
    perms = getattr(interaction, "permissions", None)
    guild_perms = getattr(user, "guild_permissions", None)
    manage_guild = bool((perms and perms.manage_guild) or (guild_perms and guild_perms.manage_guild))
    return Actor(
        user_id=user.id,
        guild_id=interaction.guild_id,
        channel_id=interaction.channel_id or 0,
        name=getattr(user, "display_name", "") or user.name,
        manage_guild=manage_guild,
        manage_messages=bool(perms and perms.manage_messages),
        role_ids=frozenset(role.id for role in getattr(user, "roles", ())),
    )


def app_of(interaction: discord.Interaction[Any]) -> App:
    """The use cases of the bot that received the interaction (``StoryBot.app``)."""
    app = getattr(interaction.client, "app", None)
    if not isinstance(app, App):
        raise RuntimeError("this client has no Storyteller use cases (StoryBot.app)")
    return app


async def respond(interaction: discord.Interaction[Any], content: str | None = None, **kwargs: Any) -> None:
    """Reply whether or not the interaction was already answered (or deferred), within Discord's limits.

    Content and embeds are fitted (:mod:`bot.discord_adapter.limits`); mentions are off unless
    ``allowed_mentions`` says otherwise.
    """
    kwargs.setdefault("allowed_mentions", discord.AllowedMentions.none())
    content, kwargs = fit_message(content, kwargs)
    if interaction.response.is_done():
        await interaction.followup.send(content, **kwargs)
    else:
        await interaction.response.send_message(content, **kwargs)


Decorated = TypeVar("Decorated", bound=Callable[..., Any])


def admin_only(command: Decorated) -> Decorated:
    """A server-only command for Manage Server: hidden from others by default permissions, and
    checked on every use too, since a server can open any command to anyone in Integrations."""
    command = app_commands.checks.has_permissions(manage_guild=True)(command)
    command = app_commands.default_permissions(manage_guild=True)(command)
    return app_commands.guild_only()(command)

"""The one error funnel: slash commands, buttons, selects and modals all answer here.

Every refusal is answered ephemerally (the response if it is still open, else a
follow-up), so no interaction is left to expire. The mapping from errors to text
lives only here; anything unexpected is logged with a short reference that the
person sees instead of a traceback. :func:`answer_error` never raises.
"""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any

import discord
from discord import app_commands

from bot.core.errors import ECHO_LIMIT, StorytellerError, echo
from bot.discord_adapter.context import respond
from bot.discord_adapter.limits import fit_message
from bot.reading.ports import DeliveryError

log = logging.getLogger(__name__)


def unwrap(error: BaseException) -> BaseException:
    """The exception a command's or a component's code raised, under discord.py's wrappers.

    A transformer's error stays a :class:`~discord.app_commands.TransformerError` (it names the
    value), unless the transformer raised one of ours, which says it better.
    """
    if isinstance(error, app_commands.CommandInvokeError):
        return unwrap(error.original)
    if isinstance(error, app_commands.TransformerError) and isinstance(error.__cause__, StorytellerError):
        return error.__cause__
    return error


# A quoted value longer than an echo may be: user input some error quoted without echo().
_LONG_QUOTE = re.compile(rf"`([^`]{{{ECHO_LIMIT + 1},}})`")


def short_quotes(text: str) -> str:
    """``text`` with every over-long `quoted` value cut as :func:`bot.core.errors.echo` cuts it."""
    return _LONG_QUOTE.sub(lambda m: f"`{echo(m.group(1))}`", text)


# As Discord's settings name them, where that is not the field name in title case.
_PERMISSION_NAMES = {
    "manage_guild": "Manage Server",
    "send_messages_in_threads": "Send Messages in Threads",
    "use_application_commands": "Use Application Commands",
}


def permission_name(field: str) -> str:
    """``manage_guild`` as a server admin sees it: Manage Server."""
    return _PERMISSION_NAMES.get(field, field.replace("_", " ").title())


def error_text(error: BaseException) -> str | None:
    """What to tell the person, or ``None`` when the error is a bug (then: log with a reference)."""
    original = unwrap(error)
    if isinstance(original, StorytellerError):
        return short_quotes(str(original))
    if isinstance(original, DeliveryError):  # the channel as the engine sees it: gone, or a missing permission
        return original.reason
    if isinstance(original, app_commands.MissingPermissions):
        needed = ", ".join(permission_name(p) for p in original.missing_permissions)
        return f"You need the {needed} permission to do that."
    if isinstance(original, app_commands.BotMissingPermissions):
        needed = ", ".join(permission_name(p) for p in original.missing_permissions)
        return f"Storyteller needs the {needed} permission here to do that."
    if isinstance(original, app_commands.NoPrivateMessage):
        return "That command only works in a server."
    if isinstance(original, app_commands.CommandOnCooldown):
        return f"Slow down a little: try again in {original.retry_after:.0f} s."
    if isinstance(original, app_commands.TransformerError):
        return f"`{echo(str(original.value))}` is not a valid value for that option."
    if isinstance(original, app_commands.CheckFailure):
        return str(original) or "You can't use that command here."
    return None


def _where(interaction: discord.Interaction[Any]) -> str:
    command = getattr(interaction, "command", None)
    if command is not None:
        return f"/{command.qualified_name}"
    data = interaction.data or {}
    custom_id = data.get("custom_id") if isinstance(data, dict) else None
    return f"component {custom_id}" if custom_id else f"interaction type {interaction.type}"


def unexpected(interaction: discord.Interaction[Any], error: BaseException) -> str:
    """Log a bug with a short reference, and the sentence that shows the reference to the person."""
    reference = secrets.token_hex(3)
    log.error(
        "Unexpected error in %s (reference %s, guild %s, channel %s, user %s)",
        _where(interaction),
        reference,
        interaction.guild_id,
        interaction.channel_id,
        interaction.user.id,
        exc_info=(type(error), error, error.__traceback__),
    )
    return f"Something went wrong on Storyteller's side. Reference: `{reference}`."


async def answer_error(interaction: discord.Interaction[Any], error: BaseException) -> None:
    """Tell the person what went wrong, ephemerally, within the interaction's deadline. Never raises."""
    try:
        message = error_text(error)
        if message is None:
            message = unexpected(interaction, unwrap(error))
        else:
            log.debug("Refused %s for user %s: %s", _where(interaction), interaction.user.id, message)
        if interaction.response.type is discord.InteractionResponseType.deferred_channel_message:
            # The deferred reply may show progress by now ("Fetching…"): the error takes its place.
            content, _ = fit_message(message, {})
            await interaction.edit_original_response(content=content, embed=None, view=None)
        else:
            await respond(interaction, message, ephemeral=True)  # respond() fits it within 2,000
    except discord.HTTPException as exc:
        log.warning("Could not tell user %s about an error (%s): %s", interaction.user.id, exc, error)
    except Exception:
        log.exception("The error funnel itself failed for %r", error)

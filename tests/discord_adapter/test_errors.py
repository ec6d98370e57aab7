"""The one mapping from errors to what a person reads."""

from __future__ import annotations

import discord
from discord import app_commands

from bot.core.errors import DatabaseBusy, NotAllowed
from bot.discord_adapter.errors import error_text, unwrap
from bot.reading.ports import DeliveryError


class _Rating(app_commands.Transformer):
    async def transform(self, interaction: discord.Interaction, value: str) -> str:
        return value


def invoke_error(original: Exception) -> app_commands.CommandInvokeError:
    command = app_commands.Command(name="x", description="x", callback=_callback)
    return app_commands.CommandInvokeError(command, original)


async def _callback(interaction: discord.Interaction) -> None:
    return None


def test_our_errors_say_their_own_text_wrapped_or_not():
    busy = DatabaseBusy()
    assert error_text(busy) == str(busy)
    assert error_text(invoke_error(NotAllowed("Only <@1> may."))) == "Only <@1> may."


def test_discord_checks_and_transformers():
    assert error_text(app_commands.MissingPermissions(["manage_guild"])) == (
        "You need the Manage Server permission to do that."
    )
    assert error_text(app_commands.NoPrivateMessage()) == "That command only works in a server."
    bad = app_commands.TransformerError("x" * 500, discord.AppCommandOptionType.string, _Rating())
    text = error_text(bad)
    assert text is not None and text.endswith("is not a valid value for that option.") and len(text) < 150


def test_a_channel_problem_is_explained_and_a_bug_is_not():
    assert error_text(DeliveryError("The channel no longer exists.", permanent=True)) == (
        "The channel no longer exists."
    )
    bug = RuntimeError("boom")
    assert error_text(invoke_error(bug)) is None and unwrap(invoke_error(bug)) is bug

"""/settings: admins only, enforced by the bot and not just hidden by Discord."""

from __future__ import annotations

import pytest
from discord import app_commands
from simcord import SetupError, assert_error

from bot.core.ratings import Rating


async def test_admin_changes_and_shows_settings(simcord_env, world, services):
    guild, channel, admin, _ = world
    result = await admin.slash(channel, "settings", max_rating="T", timezone="Europe/Paris", threads=True)
    assert result.ephemeral and "Settings saved" in result.response.content
    saved = await services.guilds.get(guild.id)
    assert (saved.max_rating, saved.timezone, saved.open_threads) == (Rating.T, "Europe/Paris", True)
    shown = await admin.slash(channel, "settings")
    assert "Europe/Paris" in shown.response.content


async def test_wrong_time_zone_is_named_and_nothing_changes(simcord_env, world, services):
    guild, channel, admin, _ = world
    result = await admin.slash(channel, "settings", timezone="Paris/France", max_rating="G")
    assert "`Paris/France` is not a time zone name" in result.response.content
    assert (await services.guilds.get(guild.id)).max_rating is Rating.E
    assert_error(simcord_env, Exception, contains="Paris/France")


async def test_member_cannot_see_admin_commands(simcord_env, world):
    _, channel, _, member = world
    assert "settings" not in member.available_commands(channel)
    with pytest.raises(SetupError, match="default-member-permissions"):
        await member.slash(channel, "settings", max_rating="G")


async def test_member_is_refused_even_when_the_command_is_opened_to_them(simcord_env, world, services):
    """Server admins can override default permissions in Integrations; the bot still checks."""
    guild, channel, _, member = world
    commands = await simcord_env.bot.tree.fetch_commands()
    settings = next(c for c in commands if c.name == "settings")
    guild.set_command_permissions(settings, {member: True})
    result = await member.slash(channel, "settings", max_rating="G")
    assert result.ephemeral
    assert "Manage Server permission" in result.response.content
    assert_error(simcord_env, app_commands.MissingPermissions)
    assert (await services.guilds.get(guild.id)).max_rating is Rating.E


async def test_reader_role_limits_who_starts_live_readings(simcord_env, world):
    guild, channel, admin, member = world
    readers = guild.create_role("Readers")
    await admin.slash(channel, "settings", reader_role=readers)
    refused = await member.slash(channel, "story", title="fight-for-me")
    assert refused.ephemeral and "Readers" not in refused.response.content  # named by mention
    assert f"<@&{readers.id}>" in refused.response.content
    assert_error(simcord_env, Exception, contains="may start live readings")
    private = await member.slash(channel, "story", title="fight-for-me", private=True)
    assert private.ephemeral and private.response.embeds[0].title == "Fight For Me"

"""Live readings: controls, one per channel, restarts, and problems that pause a reading."""

from __future__ import annotations

import discord
import pytest
from simcord import assert_error

from bot.core.errors import ReadingAlreadyRunning
from bot.core.text import plain_words
from bot.discord_adapter.runner import build_bot
from tests.discord_adapter.conftest import age_restrict
from tests.discord_adapter.test_story import BODY_WORDS, story_messages


@pytest.fixture
def world(simcord_env):
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("reading")
    alice = guild.add_member(simcord_env.create_user("alice"))
    bob = guild.add_member(simcord_env.create_user("bob"))
    return guild, channel, alice, bob


def posted(env, channel):
    return [m.content for m in story_messages(channel, env.bot.user.id)]


async def test_pause_and_resume_buttons_hold_the_reading(simcord_env, world, services):
    _, channel, alice, _ = world
    result = await alice.slash(channel, "story", title="fight-for-me")
    await simcord_env.advance_time(5)
    assert len(posted(simcord_env, channel)) == 1
    paused = await alice.click(result.response, label="Pause")
    assert paused.ephemeral and "Paused" in paused.response.content
    await simcord_env.advance_time(3600)
    assert len(posted(simcord_env, channel)) == 1  # nothing while paused
    await alice.click(result.response, label="Resume")
    await simcord_env.advance_time(3600)
    text = [p for p in posted(simcord_env, channel) if not p.startswith("— *The end")]
    assert [w for p in text for w in plain_words(p)] == BODY_WORDS
    assert await services.live_readings.get(channel.id) is None  # finished and cleared


async def test_stop_and_one_reading_per_channel(simcord_env, world):
    _, channel, alice, bob = world
    await alice.slash(channel, "story", title="fight-for-me")
    second = await bob.slash(channel, "story", title="fight-for-me")
    assert second.ephemeral and "already reading **Fight For Me**" in second.response.content
    assert_error(simcord_env, ReadingAlreadyRunning)
    refused = await bob.slash(channel, "reading stop")
    assert "Only <@" in refused.response.content  # bob did not start it
    assert_error(simcord_env, Exception, contains="steer this reading")
    stopped = await alice.slash(channel, "reading stop")
    assert "stopped" in stopped.response.content
    await simcord_env.advance_time(3600)
    assert len(posted(simcord_env, channel)) <= 1


async def test_status_and_speed(simcord_env, world):
    _, channel, alice, _ = world
    result = await alice.slash(channel, "story", title="fight-for-me")
    await simcord_env.advance_time(5)
    faster = await alice.click(result.response, label="Faster")
    assert "speed ×1.5" in faster.response.content
    status = await alice.slash(channel, "reading status")
    assert "Fight For Me" in status.response.content and "message 2 of" in status.response.content


async def test_reading_resumes_after_a_restart_and_old_buttons_work(simcord_env, world, services):
    _, channel, alice, _ = world
    result = await alice.slash(channel, "story", title="fight-for-me")
    await simcord_env.advance_time(100)
    before = len(posted(simcord_env, channel))
    assert 1 <= before < 4
    await simcord_env.restart_bot(build_bot(services))
    paused = await alice.click(result.response, label="Pause")  # a button from before the restart
    assert "Paused" in paused.response.content
    await alice.click(result.response, label="Resume")
    await simcord_env.advance_time(3600)
    text = [p for p in posted(simcord_env, channel) if not p.startswith("— *The end")]
    assert [w for p in text for w in plain_words(p)] == BODY_WORDS  # nothing lost, nothing twice


async def test_channel_losing_age_restriction_pauses_with_reason(simcord_env, world, services):
    guild, _, alice, _ = world
    channel = guild.create_text_channel("after-dark")
    age_restrict(simcord_env, channel)
    await alice.slash(channel, "story", title="midnight-heat")
    await simcord_env.advance_time(5)
    assert len(posted(simcord_env, channel)) == 1
    age_restrict(simcord_env, channel, False)  # an admin turns the flag off mid-reading
    await simcord_env.advance_time(3600)
    messages = posted(simcord_env, channel)
    assert messages[-1].startswith("⏸️ The reading is paused.") and "age-restricted" in messages[-1]
    row = await services.live_readings.get(channel.id)
    assert row.state == "paused" and "age-restricted" in row.reason
    status = await alice.slash(channel, "reading status")
    assert "Why it paused" in status.response.content


async def test_lost_send_permission_pauses_and_other_channels_keep_reading(simcord_env, world, services):
    guild, channel, alice, _ = world
    other = guild.create_text_channel("other")
    await alice.slash(channel, "story", title="fight-for-me")
    await alice.slash(other, "story", title="fight-for-me")
    await simcord_env.advance_time(5)
    deny = discord.PermissionOverwrite(send_messages=False)
    await simcord_env.bot.get_channel(channel.id).set_permissions(guild.me, overwrite=deny)
    await simcord_env.advance_time(3600)
    row = await services.live_readings.get(channel.id)
    assert row.state == "paused" and "Send Messages" in row.reason
    assert posted(simcord_env, other)[-1].startswith("— *The end of **Fight For Me**")


async def test_private_reading_pages_and_remembers(simcord_env, world, services):
    _, channel, alice, _ = world
    first = await alice.slash(channel, "story", title="fight-for-me", private=True)
    assert first.ephemeral
    first_page = first.response.content
    assert first_page.startswith("They gather outside her room")
    second = await alice.click(first.response, label="Next ▶")
    second_page = second.response.content
    assert second_page != first_page
    assert posted(simcord_env, channel) == []  # nothing in the channel
    again = await alice.slash(channel, "story", title="fight-for-me", private=True)
    assert again.response.content == second_page  # back where she stopped
    assert any(f.name == "Welcome back" for f in again.response.embeds[0].fields)

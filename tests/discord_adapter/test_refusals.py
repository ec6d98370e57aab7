"""Every kind of button, and the feedback form, answers a refusal ephemerally: nothing is left to expire.

Stale or refused components are made the way Discord keeps them: a message of the bot's
with the component on it, pressed later by a member who may not, or after the thing it
points at is gone.
"""

from __future__ import annotations

import logging
import re

import discord
import pytest

from bot.app.pages import Page, PageKind
from bot.app.stories import LibraryPage as LibraryResult
from bot.core.states import Control
from bot.discord_adapter.components import library_controls, live_controls, more_button, page_controls

REFERENCE = re.compile(r"Something went wrong on Storyteller's side\. Reference: `[0-9a-f]{6}`\.")


@pytest.fixture
def world(simcord_env):
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("reading")
    alice = guild.add_member(simcord_env.create_user("alice"))
    bob = guild.add_member(simcord_env.create_user("bob"))
    return guild, channel, alice, bob


async def post_with(env, channel, view: discord.ui.View, content: str = "…"):
    """A message of the bot's carrying ``view``, as a member sees it in the channel."""
    await env.bot.get_channel(channel.id).send(content, view=view)
    return [m for m in channel.history() if m.author.id == env.bot.user.id][-1]


def assert_refused(result, *needles: str) -> None:
    assert result.acknowledged, "the press was left to expire"
    assert result.ephemeral, "a refusal is for the presser only"
    text = result.response.content if result.response else result.followups[-1].content
    for needle in needles:
        assert needle in text, text


async def test_every_live_control_refuses_a_member_who_did_not_start_the_reading(simcord_env, world, services):
    _, channel, alice, bob = world
    started = await alice.slash(channel, "story", title="fight-for-me")
    for action in Control:
        label = action.value.capitalize()
        refused = await bob.click(started.response, label=label)
        assert_refused(refused, f"Only <@{alice.id}>", "Manage Messages")
    row = await services.live_readings.get(channel.id)
    assert row is not None and row.state == "running"  # nothing bob pressed changed it


async def test_a_live_control_for_a_finished_reading_says_so(simcord_env, world):
    _, channel, _, bob = world
    message = await post_with(simcord_env, channel, live_controls(channel.id))
    refused = await bob.click(message, label="Stop")
    assert_refused(refused, "Nothing is being read in this channel")


async def test_private_page_of_an_explicit_story_refused_outside_age_restricted_channels(simcord_env, world, services):
    _, channel, _, bob = world
    record = await services.stories.by_slug("midnight-heat")
    message = await post_with(simcord_env, channel, page_controls(Page(PageKind.STORY, record.id, "…", 0, 5)))
    refused = await bob.click(message, label="Next ▶")
    assert_refused(refused, "rated E", "age-restricted")
    assert await services.progress.page(bob.id, record.id) == 0  # nothing remembered


async def test_private_page_of_a_removed_story(simcord_env, world):
    _, channel, _, bob = world
    message = await post_with(simcord_env, channel, page_controls(Page(PageKind.STORY, 999_999, "…", 0, 5)))
    refused = await bob.click(message, label="Next ▶")
    assert_refused(refused, "no longer in the library")


async def test_catchup_page_of_a_schedule_that_no_longer_exists(simcord_env, world):
    _, channel, _, bob = world
    message = await post_with(simcord_env, channel, page_controls(Page(PageKind.CATCHUP, 424_242, "…", 1, 5)))
    refused = await bob.click(message, label="◀ Previous")
    assert_refused(refused, "No serial has released anything")


async def test_library_page_with_a_stale_filter(simcord_env, world):
    _, channel, _, bob = world
    stale = LibraryResult((), 0, 3, 25, "", "", "ZZ")  # a rating code that no longer exists
    message = await post_with(simcord_env, channel, library_controls(stale))
    refused = await bob.click(message, label="Next ▶")
    assert_refused(refused, "`ZZ` is not a rating")


async def test_more_on_a_removed_schedule(simcord_env, world):
    _, channel, _, bob = world
    message = await post_with(simcord_env, channel, more_button(31_337, 2))
    refused = await bob.click(message, label="More!")
    assert_refused(refused, "no longer takes More!")


async def test_feedback_form_submitted_for_a_removed_story(simcord_env, world, services):
    _, channel, _, bob = world
    form = await bob.slash(channel, "feedback", title="grey-areas")
    assert form.modal is not None
    record = await services.stories.by_slug("grey-areas")
    async with services.db.transaction() as conn:  # removed from the library while the form was open
        await conn.execute("DELETE FROM stories WHERE id = ?", (record.id,))
    refused = await bob.submit_modal(form, {"feedback_text": "Lovely."})
    assert_refused(refused, "no longer in the library")
    assert await services.responses.feedback(record.id) == []


async def test_an_unexpected_error_in_a_button_gets_a_reference_not_silence(simcord_env, world, caplog):
    _, channel, alice, _ = world
    started = await alice.slash(channel, "story", title="fight-for-me")

    async def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    simcord_env.bot.app.readings.control = broken  # type: ignore[method-assign]
    with caplog.at_level(logging.ERROR, logger="bot.discord_adapter.errors"):
        answered = await alice.click(started.response, label="Pause")
    assert answered.acknowledged and answered.ephemeral
    assert REFERENCE.fullmatch(answered.response.content), answered.response.content
    reference = answered.response.content.split("`")[1]
    logged = [r for r in caplog.records if reference in r.getMessage()]
    assert logged and logged[0].exc_info and "a bug" in str(logged[0].exc_info[1])
    assert "RuntimeError" not in answered.response.content  # no traceback for the member


async def test_an_unexpected_error_in_the_feedback_form_gets_a_reference(simcord_env, world):
    _, channel, _, bob = world
    form = await bob.slash(channel, "feedback", title="fight-for-me")

    async def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    simcord_env.bot.app.responses.submit_feedback = broken  # type: ignore[method-assign]
    answered = await bob.submit_modal(form, {"feedback_text": "Lovely."})
    assert answered.acknowledged and answered.ephemeral
    assert REFERENCE.fullmatch(answered.response.content)


async def test_long_input_is_cut_when_a_refusal_quotes_it(simcord_env, world):
    from simcord import assert_error

    from bot.core.errors import StoryNotFound

    _, channel, _, bob = world
    refused = await bob.slash(channel, "summary", title="nothing like it " * 20)
    assert refused.ephemeral and "…" in refused.response.content and len(refused.response.content) < 200
    assert_error(simcord_env, StoryNotFound)


async def test_a_slow_schedule_create_defers_and_refusals_stay_ephemeral(simcord_env):
    from simcord import assert_error

    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("serials")
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(simcord_env.create_user("admin"), roles=[admins])
    created = await admin.slash(
        channel, "schedule create", story="fight-for-me", channel=channel, every="daily", thread="single"
    )
    assert created.ephemeral
    shown = created.response if created.response and created.response.embeds else created.followups[-1]
    assert shown.embeds[0].title == "Scheduled: Fight For Me"
    refused = await admin.slash(
        channel, "schedule create", story="no such story", channel=channel, every="daily", thread="single"
    )
    assert refused.ephemeral
    text = refused.response.content if refused.response and refused.response.content else refused.followups[-1].content
    assert "No story matches" in text
    assert_error(simcord_env, Exception, contains="No story matches")

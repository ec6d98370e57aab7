"""Live readings and private readings: who may start and steer them, and what they say."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.app.readings import ControlResult, status_text
from bot.core.errors import NoReading, NotAllowed, RatingRefused, ReadingAlreadyRunning, StoryRemoved
from bot.core.guild import GuildSettings
from bot.core.states import Control, ReadingState
from bot.reading.live import ReadingStatus
from tests.app.conftest import AFTER_DARK, CHANNEL, GUILD, admin, member


async def test_live_reading_is_gated_before_anything_is_posted(app, publisher):
    with pytest.raises(RatingRefused, match="age-restricted"):
        await app.readings.prepare(member(), "midnight-heat")
    prepared = await app.readings.prepare(member(channel_id=AFTER_DARK), "midnight-heat")
    assert prepared.card.record.slug == "midnight-heat" and not prepared.open_thread
    assert publisher.sent == []


async def test_reader_role_and_one_reading_per_channel(app, services):
    await services.guilds.save(GuildSettings(GUILD, reader_role_id=42, open_threads=True))
    with pytest.raises(NotAllowed, match="<@&42>"):
        await app.readings.prepare(member(1), "fight-for-me")
    prepared = await app.readings.prepare(member(1, role_ids=frozenset({42})), "fight-for-me")
    assert prepared.open_thread
    status = await app.readings.start(member(1, role_ids=frozenset({42})), prepared, card_message_id=5)
    assert status.title == "Fight For Me" and status.position == 0
    with pytest.raises(ReadingAlreadyRunning):
        await app.readings.prepare(admin(), "fight-for-me")


async def test_only_the_starter_or_manage_messages_steers(app):
    starter = member(1)
    await app.readings.start(starter, await app.readings.prepare(starter, "fight-for-me"))
    for action in Control:
        with pytest.raises(NotAllowed, match="Only <@1>"):
            await app.readings.control(member(2), CHANNEL, action)
    paused = await app.readings.control(member(3, manage_messages=True), CHANNEL, Control.PAUSE)
    assert paused.status is not None and paused.status.state == "paused"
    stopped = await app.readings.control(starter, CHANNEL, Control.STOP)
    assert stopped.stopped
    with pytest.raises(NoReading):
        await app.readings.control(starter, CHANNEL, Control.RESUME)
    with pytest.raises(NoReading):
        await app.readings.status(starter)


def test_status_text_says_why_it_waits_and_never_running_then():
    status = ReadingStatus(CHANNEL, "Fight For Me", "f", 1, 4, ReadingState.RUNNING, 1.5, None, 3.2)
    assert status_text(status).startswith("▶️ Reading Fight For Me: message 2 of 4, speed ×1.5")
    waiting = replace(status, waiting="the database is busy, retrying in 20 s")
    text = status_text(waiting, lambda t: f"**{t}**")
    assert "Waiting: the database is busy, retrying in 20 s" in text and "**Fight For Me**" in text
    assert "Reading" not in text.split(":")[0] and "Running" not in text
    paused = replace(status, state=ReadingState.PAUSED, reason="The channel is gone.")
    assert status_text(paused).startswith("⏸️ Paused") and "Why it paused: The channel is gone." in status_text(paused)
    assert ControlResult(Control.STOP, None).stopped


async def test_private_reading_pages_remember_and_check_the_gate_on_every_page(app, services):
    reader = member(7)
    opened = await app.private.open(reader, "fight-for-me")
    assert opened.page.page == 0 and opened.welcome_back is None and opened.page.pages > 1
    second = await app.private.page(reader, opened.card.record.id, 1)
    assert second.text != opened.page.text and not second.first
    again = await app.private.open(reader, "fight-for-me")
    assert again.page.page == 1 and again.welcome_back == 1
    beyond = await app.private.page(reader, opened.card.record.id, 10_000)
    assert beyond.last
    explicit = await services.stories.by_slug("midnight-heat")
    with pytest.raises(RatingRefused):
        await app.private.page(reader, explicit.id, 0)
    assert (await app.private.page(member(7, channel_id=AFTER_DARK), explicit.id, 0)).page == 0
    with pytest.raises(StoryRemoved):
        await app.private.page(reader, 999_999, 0)

"""The rating gate acts on every message, including those already waiting in the send queue."""

from __future__ import annotations

import asyncio

import pytest

from bot.core.guild import GuildSettings
from bot.core.ratings import Rating
from bot.core.states import ReadingState, ScheduleState
from tests.reading.fakes import FakeDiscord, VirtualClock

DAY = 24 * 3600
# One long chapter rated Explicit: a 10-minute installment of it is seven or more messages.
EXPLICIT = "Title: After Dark\nAuthor: Q\nRating: Explicit\n\n" + "\n\n".join(
    f"Paragraph {n}. " + "The night went on and on, and nobody slept in the old house by the sea. " * 6
    for n in range(1, 60)
)
CHANNEL = 10


class SwitchingDiscord(FakeDiscord):
    """An admin turns age-restriction off the channel right after its ``after``-th message."""

    def __init__(self, clock, after: int) -> None:
        super().__init__(clock)
        self.after = after
        self.age_restricted.add(CHANNEL)

    async def send(self, channel_id, text, **kwargs):
        message_id = await super().send(channel_id, text, **kwargs)
        if channel_id == CHANNEL and len(self.channel(CHANNEL)) == self.after:
            self.age_restricted.discard(CHANNEL)
        return message_id


@pytest.fixture
def explicit_story(stories_dir):
    (stories_dir / "after-dark.txt").write_text(EXPLICIT, encoding="utf-8")


@pytest.mark.usefixtures("explicit_story")
async def test_a_serial_stops_at_the_message_after_the_channel_changes(open_world):
    time = VirtualClock()
    discord = SwitchingDiscord(time.clock, after=2)
    world = await open_world(discord=discord, time=time)
    record = await world.story("after-dark")
    schedule, _ = await world.serials.create(
        guild_id=1, channel_id=CHANNEL, record=record, user_id=7, every="daily", minutes=10
    )
    installment = (await world.services.catalog.installments(record, schedule.minutes))[0]
    assert len(installment.messages) + 1 >= 5  # heading and text: five messages or more, spaced in the queue
    await world.run_for(2 * DAY)
    assert len(discord.channel(CHANNEL)) == 2  # the heading and one message; nothing after the switch
    paused = await world.serials.get(1, schedule.id)
    assert paused.state is ScheduleState.PAUSED
    assert "age-restricted" in (paused.reason or "")
    assert paused.next_installment == 1  # not finished: the installment waits, half posted, for a fix
    assert any("is paused" in text for _, text in discord.notices)
    # Fixed: resuming posts the rest of the installment, each message once.
    discord.age_restricted.add(CHANNEL)
    await world.serials.resume(1, schedule.id)
    await world.run_for(60)
    assert discord.channel(CHANNEL)[1:] == list(installment.messages)


@pytest.mark.usefixtures("explicit_story")
async def test_a_live_reading_stops_at_the_message_after_the_channel_changes(open_world):
    time = VirtualClock()
    discord = SwitchingDiscord(time.clock, after=2)
    world = await open_world(discord=discord, time=time)
    record = await world.story("after-dark")
    await world.readings.live.start(channel_id=CHANNEL, guild_id=1, record=record, user_id=7)
    await world.run_for(DAY)
    story_text = [t for t in discord.channel(CHANNEL) if not t.startswith("⏸️")]
    assert len(story_text) == 2
    status = await world.readings.live.status(CHANNEL)
    assert status.state is ReadingState.PAUSED and status.position == 2
    assert "age-restricted" in (status.reason or "")
    assert discord.channel(CHANNEL)[-1].startswith("⏸️ The reading is paused.")


@pytest.mark.usefixtures("explicit_story")
async def test_the_gate_is_checked_after_the_wait_in_the_send_queue(open_world):
    """A message queued behind a full channel is checked when its turn comes, not when it was queued."""
    time = VirtualClock()
    discord = FakeDiscord(time.clock)
    discord.age_restricted.add(CHANNEL)
    world = await open_world(discord=discord, time=time)
    record = await world.story("after-dark")
    schedule, _ = await world.serials.create(guild_id=1, channel_id=CHANNEL, record=record, user_id=7, every="daily")
    first_due = (await world.serials.get(1, schedule.id)).next_due
    await world.run_for((first_due - time.now()).total_seconds() - 1)
    queue = world.readings.engine.queue
    fillers = [asyncio.create_task(queue.slot(1, CHANNEL)) for _ in range(queue.per_channel)]  # the window fills
    world.outside = lambda: sum(not f.done() for f in fillers)
    await world.run_for(1.5)
    assert discord.channel(CHANNEL) == [] and queue.pending() > world.outside()  # the release waits its turn
    await world.services.guilds.save(GuildSettings(1, max_rating=Rating.T))  # meanwhile the server lowers its limit
    await world.run_for(60)
    assert all(f.done() for f in fillers)
    assert discord.channel(CHANNEL) == []
    paused = await world.serials.get(1, schedule.id)
    assert paused.state is ScheduleState.PAUSED and "above this server's limit" in (paused.reason or "")

"""One send queue for the whole bot: the channel and global limits hold, evenly, and the budget is used."""

from __future__ import annotations

import bisect
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta

import pytest

from bot.reading import send_queue
from bot.reading.send_queue import RATE, Budget, Throttled
from tests.reading.fakes import EPOCH, FakeDiscord, VirtualClock


def max_in_window(times, window: timedelta) -> int:
    ordered = sorted(times)
    return max(bisect.bisect_left(ordered, t + window) - i for i, t in enumerate(ordered))


async def test_a_thousand_schedules_due_in_one_minute_across_500_channels(open_world, stories_dir):
    (stories_dir / "short.txt").write_text("Title: Short\nRating: K\n\nA short installment, read in a breath.\n")
    world = await open_world()
    await world.services.importer.import_paths()
    record = await world.story("short")
    due = EPOCH.replace(hour=20)
    for n in range(1000):
        # 50 guilds of 10 channels each; two schedules per channel
        await world.serials.create(
            guild_id=1 + n % 50,
            channel_id=1000 + n % 500,
            record=record,
            user_id=7,
            every="daily",
            at=due.strftime("%H:%M"),
        )
    await world.run_for(9 * 3600)
    posts = world.discord.posts
    assert len(posts) == 2000  # a heading and the text for each schedule, all delivered
    times = [p.at for p in posts]
    by_channel = defaultdict(list)
    for p in posts:
        by_channel[p.channel_id].append(p.at)
    assert max(max_in_window(t, timedelta(seconds=5)) for t in by_channel.values()) <= 5
    assert max_in_window(times, timedelta(seconds=1)) <= 48  # 47 a second, evenly: a margin below 50
    assert max_in_window(times, timedelta(seconds=0.1)) <= 6  # spaced within the second, never a burst
    span = (max(times) - min(times)).total_seconds() + 1
    assert min(times) == due
    assert len(posts) / span >= 45  # at least 90% of the 50 requests per second


async def test_one_busy_guild_does_not_delay_another(open_world, stories_dir):
    (stories_dir / "short.txt").write_text("Title: Short\nRating: K\n\nA short installment.\n")
    world = await open_world()
    await world.services.importer.import_paths()
    record = await world.story("short")
    for n in range(300):
        await world.serials.create(guild_id=1, channel_id=2000 + n, record=record, user_id=7, every="daily")
    await world.serials.create(guild_id=2, channel_id=9999, record=record, user_id=8, every="daily")
    await world.run_for(9 * 3600)
    first = min(p.at for p in world.discord.posts)
    busy_done = max(p.at for p in world.discord.posts if p.channel_id != 9999)
    small_done = max(p.at for p in world.discord.posts if p.channel_id == 9999)
    assert busy_done - first >= timedelta(seconds=11)  # guild 1's 600 posts need 12 s of the budget
    assert small_done - first <= timedelta(seconds=3)  # guild 2 is served at once, not after them


def test_the_budget_spaces_requests_evenly_and_holds_after_a_global_429():
    budget = Budget(RATE)
    times = [budget.take(100.0) for _ in range(95)]
    assert times[:2] == [100.0, 100.0]  # an idle budget lets one catch-up request go at once
    gaps = {round(b - a, 6) for a, b in itertools.pairwise(times[1:])}
    assert gaps == {round(1 / RATE, 6)}
    assert max_in_window(times, 1.0 - 1e-9) <= RATE + 1  # the catch-up one, then 47 a second
    budget.hold(200.0)
    assert budget.free_at(150.0) == 200.0 and budget.take(150.0) == 200.0


def test_invalid_requests_slow_the_bot_down_long_before_discord_blocks_it(monkeypatch):
    monkeypatch.setattr(send_queue, "INVALID_SLOW", 10)
    monkeypatch.setattr(send_queue, "INVALID_STOP", 20)
    budget = Budget(RATE)
    for n in range(10):
        budget.invalid(1000.0 + n)
    _, first, second = budget.take(1010.0), budget.take(1010.0), budget.take(1010.0)
    assert second - first == pytest.approx(1 / send_queue.INVALID_SLOW_RATE)  # slowed to 5 a second
    for n in range(10):
        budget.invalid(1010.0 + n)
    assert budget.free_at(1020.0) == 1000.0 + send_queue.INVALID_WINDOW  # stopped until the oldest age out
    assert budget.free_at(1000.0 + 601 + 20) == 1000.0 + 601 + 20  # ten minutes on: full speed again
    assert budget.slowed == 1


@dataclass
class ThrottledOnce(FakeDiscord):
    """Answers every message's first try with a 429 that asks for 2 s."""

    throttled: list[str] = field(default_factory=list)

    async def send(self, channel_id, text, *, nonce=None, more=None, role=None):
        if nonce not in self.throttled:
            self.throttled.append(nonce)
            raise Throttled(2.0)
        return await super().send(channel_id, text, nonce=nonce, more=more, role=role)


async def test_a_message_discord_rate_limits_goes_back_through_the_queue_once(open_world, stories_dir):
    (stories_dir / "short.txt").write_text("Title: Short\nRating: K\n\nA short installment.\n")
    time = VirtualClock()
    discord = ThrottledOnce(time.clock)
    world = await open_world(discord=discord, time=time)
    await world.services.importer.import_paths()
    record = await world.story("short")
    await world.serials.create(guild_id=1, channel_id=3000, record=record, user_id=7, every="daily", at="20:00")
    await world.run_for(9 * 3600)
    texts = discord.channel(3000)
    assert len(texts) == 2 and len(set(texts)) == 2  # the heading and the text, each once
    assert len(discord.throttled) == 2 and len(set(discord.throttled)) == 2
    heading, text = discord.posts
    due = EPOCH.replace(hour=20)
    assert heading.at >= due + timedelta(seconds=2)  # the channel was held for retry_after
    assert text.at >= heading.at + timedelta(seconds=2)
    assert world.readings.engine.waiting("schedule", 1) is None  # re-queued, not failed into the backoff

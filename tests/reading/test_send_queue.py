"""One send queue for the whole bot: the channel and global limits hold, and the budget is used."""

from __future__ import annotations

import bisect
from collections import defaultdict
from datetime import timedelta

from tests.reading.fakes import EPOCH


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
    assert max_in_window(times, timedelta(seconds=1)) <= 50
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

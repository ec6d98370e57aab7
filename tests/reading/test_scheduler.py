"""The delivery engine on loop time: weeks of releases in milliseconds, with a real SQLite file."""

from __future__ import annotations

import itertools
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

PARIS = ZoneInfo("Europe/Paris")
DAY = 24 * 3600


def releases(world, channel_id):
    return [p for p in world.discord.posts if p.channel_id == channel_id and p.text.startswith("📖")]


async def test_daily_at_20_paris_posts_one_installment_a_day_across_dst(open_world):
    world = await open_world()
    record = await world.story("the-long-watch")
    schedule, preview = await world.serials.create(
        guild_id=1, channel_id=10, record=record, user_id=7, every="daily", at="20:00", timezone="Europe/Paris"
    )
    assert schedule.total == 12
    assert [t.astimezone(PARIS).strftime("%d %H:%M") for t in preview.first] == ["25 20:00", "26 20:00", "27 20:00"]
    await world.run_for(14 * DAY)
    posted = releases(world, 10)
    assert [p.text.split("installment ")[1].split(" of")[0] for p in posted] == [str(n) for n in range(1, 13)]
    local = [p.at.astimezone(PARIS) for p in posted]
    assert all(t.strftime("%H:%M") == "20:00" for t in local)  # before and after 29 March
    assert [t.day for t in local] == [25, 26, 27, 28, 29, 30, 31, 1, 2, 3, 4, 5]
    assert {t.utcoffset() for t in local} == {timedelta(hours=1), timedelta(hours=2)}
    done = await world.serials.get(1, schedule.id)
    assert done.state == "finished"


async def test_each_installment_text_follows_its_heading_in_order(open_world):
    world = await open_world()
    record = await world.story("the-long-watch")
    await world.serials.create(guild_id=1, channel_id=10, record=record, user_id=7, every="6 hours")
    await world.run_for(4 * DAY)
    texts = world.discord.channel(10)
    headings = [n for n, t in enumerate(texts) if t.startswith("📖")]
    assert len(headings) == 12
    installments = await world.services.catalog.installments(record, 1)
    expected = []
    for installment in installments:
        expected += list(installment.messages)
    assert [t for t in texts if not t.startswith("📖")] == expected


async def test_deleted_channel_pauses_that_schedule_and_others_keep_posting(open_world):
    world = await open_world()
    record = await world.story("the-long-watch")
    broken, _ = await world.serials.create(guild_id=1, channel_id=10, record=record, user_id=7, every="daily")
    await world.serials.create(guild_id=2, channel_id=20, record=record, user_id=8, every="daily")
    await world.run_for(DAY)
    world.discord.deleted.add(10)
    await world.run_for(3 * DAY)
    status = await world.serials.status(1, broken.id)
    assert status.schedule.state == "paused" and "no longer exists" in status.problem
    assert len(releases(world, 20)) == 4
    assert len(world.discord.notices) == 1  # the admins are told once
    await world.run_for(3 * DAY)
    assert len(world.discord.notices) == 1


async def test_lost_permission_pauses_with_the_reason_and_resume_picks_up(open_world):
    world = await open_world()
    record = await world.story("the-long-watch")
    schedule, _ = await world.serials.create(guild_id=1, channel_id=10, record=record, user_id=7, every="daily")
    await world.run_for(DAY)
    world.discord.forbidden.add(10)
    await world.run_for(2 * DAY)
    status = await world.serials.status(1, schedule.id)
    assert status.schedule.state == "paused" and "Send Messages" in status.problem
    world.discord.forbidden.clear()
    await world.serials.resume(1, schedule.id)
    await world.run_for(60)
    assert len(releases(world, 10)) == 2  # the held installment posts at once, never a burst


async def test_adult_story_schedule_refused_in_an_ordinary_channel(open_world, stories_dir):
    world = await open_world()
    from bot.core.schedule import ScheduleError

    (stories_dir / "heat.txt").write_text("Title: Heat\nRating: Explicit\n\nText.\n")
    await world.services.importer.import_paths()
    with pytest.raises(ScheduleError, match="age-restricted"):
        await world.serials.create(guild_id=1, channel_id=10, record=await world.story("heat"), user_id=7)
    world.discord.age_restricted.add(10)
    schedule, _ = await world.serials.create(guild_id=1, channel_id=10, record=await world.story("heat"), user_id=7)
    world.discord.age_restricted.clear()  # an admin changes the channel later
    await world.run_for(DAY)
    status = await world.serials.status(1, schedule.id)
    assert status.schedule.state == "paused" and "age-restricted" in status.problem
    assert releases(world, 10) == []


async def test_post_now_skip_and_cancel(open_world):
    world = await open_world()
    record = await world.story("the-long-watch")
    schedule, _ = await world.serials.create(guild_id=1, channel_id=10, record=record, user_id=7, every="weekly")
    await world.serials.post_now(1, schedule.id)
    await world.run_for(1)
    assert len(releases(world, 10)) == 1
    await world.serials.skip(1, schedule.id)
    assert (await world.serials.get(1, schedule.id)).next_installment == 3
    await world.serials.cancel(1, schedule.id)
    await world.run_for(30 * DAY)
    assert len(releases(world, 10)) == 1


async def test_each_installment_in_its_own_thread(open_world):
    world = await open_world()
    record = await world.story("the-long-watch")
    await world.serials.create(guild_id=1, channel_id=10, record=record, user_id=7, every="daily", thread="each")
    await world.run_for(3 * DAY)
    headings = [p for p in world.discord.posts if p.channel_id == 10]
    assert len(headings) == 3 and all(p.text.startswith("📖") for p in headings)
    assert sorted(world.discord.threads) == [1_000_000 + p.id for p in headings]
    for heading in headings:
        assert len(world.discord.channel(1_000_000 + heading.id)) == 1  # the installment's text


async def test_all_installments_in_one_thread_opened_at_the_start(open_world):
    world = await open_world()
    record = await world.story("the-long-watch")
    schedule, _ = await world.serials.create(
        guild_id=1, channel_id=10, record=record, user_id=7, every="daily", thread="single"
    )
    await world.run_for(2 * DAY)
    [starter] = world.discord.channel(10)
    assert starter.startswith("📚 **The Long Watch**")
    assert len(releases(world, schedule.thread_id)) == 2


async def test_more_quorum_releases_exactly_one_installment_early_under_a_rush(open_world):
    import asyncio as aio

    world = await open_world()
    record = await world.story("the-long-watch")
    schedule, _ = await world.serials.create(
        guild_id=1, channel_id=10, record=record, user_id=7, every="daily", more_quorum=3
    )
    await world.run_for(DAY)  # installment 1 out; installment 2 is a day away
    assert len(releases(world, 10)) == 1
    assert world.discord.buttons[-1] == (schedule.id, 1)  # More! under installment 1's last message
    results = await aio.gather(*(world.serials.more(schedule.id, 1, reader % 5) for reader in range(40)))
    assert sum(released for _, _, released in results) == 1  # 40 presses by 5 readers: one release
    await world.run_for(60)
    assert len(releases(world, 10)) == 2  # installment 2, early
    await aio.gather(*(world.serials.more(schedule.id, 1, reader) for reader in range(10, 20)))
    await world.run_for(60)
    assert len(releases(world, 10)) == 2  # pressing under installment 1 again releases nothing more
    await world.run_for(DAY)
    assert len(releases(world, 10)) == 3  # and the cadence carries on


async def test_an_unexpected_error_is_retried_later_not_in_a_loop(open_world):
    world = await open_world()
    record = await world.story("the-long-watch")
    calls = []
    real_send = world.discord.send

    async def broken(*args, **kwargs):
        calls.append(world.time.now())
        if len(calls) <= 4:
            raise RuntimeError("a bug")
        return await real_send(*args, **kwargs)

    world.discord.send = broken
    schedule, _ = await world.serials.create(guild_id=1, channel_id=10, record=record, user_id=7, every="daily")
    await world.run_for(DAY)
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(calls[:4])]
    assert gaps == [2.0, 5.0, 15.0]  # backed off, longer each time, then delivered
    assert len(releases(world, 10)) == 1
    assert (await world.serials.get(1, schedule.id)).reason_code is None

"""A serial of a work in progress: it runs out, waits at each slot, and posts new chapters once added."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.core.models import Chapter, Story, StoryMeta
from bot.store.database import Database
from bot.store.stories import StoryRepository

DAY = 24 * 3600
SOURCE = "wip/still-writing.txt"  # the same file imported again: the story is updated in place


def story(chapters: int, status: str = "In Progress") -> Story:
    """``chapters`` one-installment chapters (as in the long watch), each with words of its own."""
    return Story(
        StoryMeta(title="Still Writing", author="Q", rating_raw="K", status=status),
        tuple(Chapter.from_text(f"Chapter {n}", f"Day {n} began with ink. " * 40) for n in range(1, chapters + 1)),
    )


async def save(repository: StoryRepository, chapters: int, version: str, status: str = "In Progress"):
    record, _ = await repository.save(
        story(chapters, status),
        source_path=SOURCE,
        source_format="plain",
        content_hash=version,
        slug="still-writing",
        now=datetime(2026, 3, 25, tzinfo=UTC),
    )
    return record


async def update_elsewhere(world, chapters: int, version: str, status: str = "In Progress"):
    """Another process (the CLI importing the link again) updates the story in the shared database."""
    db = await Database.open(world.db_path)
    try:
        return await save(StoryRepository(db), chapters, version, status)
    finally:
        await db.close()


def headings(world, channel_id: int = 10) -> list[int]:
    return [
        int(t.split("installment ")[1].split(" of")[0]) for t in world.discord.channel(channel_id) if t.startswith("📖")
    ]


async def expected_texts(world, record) -> list[str]:
    """Every installment's heading and messages, in order, as the channel should hold them once each."""
    texts = []
    for installment in await world.services.catalog.installments(record, 1):
        texts += [f"heading {installment.number}", *installment.messages]
    return texts


def channel_texts(world, channel_id: int = 10) -> list[str]:
    return [
        f"heading {t.split('installment ')[1].split(' of')[0]}" if t.startswith("📖") else t
        for t in world.discord.channel(channel_id)
    ]


async def test_a_work_in_progress_waits_posts_new_chapters_once_each_then_finishes(open_world):
    world = await open_world()
    first = await save(world.services.stories, 2, "v1")
    schedule, _ = await world.serials.create(
        guild_id=1, channel_id=10, record=first, user_id=7, every="daily", at="20:00"
    )
    assert schedule.total == 2
    await world.run_for(2 * DAY)  # the 25th and 26th at 20:00: both installments out
    assert headings(world) == [1, 2]
    posts = len(world.discord.posts)
    await world.run_for(3 * DAY)  # three empty slots: it looks, finds nothing, says nothing
    assert len(world.discord.posts) == posts and world.discord.notices == []
    waiting = await world.serials.get(1, schedule.id)
    assert waiting.state == "active" and waiting.waiting and waiting.total == 2
    assert waiting.next_due == datetime(2026, 3, 30, 20, 0, tzinfo=UTC)  # the next slot, not a finish

    second = await update_elsewhere(world, 3, "v2")
    assert (second.id, second.slug) == (first.id, first.slug)
    await world.run_for(DAY)  # the slot on the 30th posts installment 3
    assert headings(world) == [1, 2, 3]
    assert world.discord.channel(10)[-2].startswith("📖 **Still Writing** · installment 3 of 3")
    assert (await world.serials.get(1, schedule.id)).waiting

    fifth = await update_elsewhere(world, 5, "v3")  # two chapters at once: one per slot, in order
    await world.run_for(DAY)
    assert headings(world) == [1, 2, 3, 4]
    await world.run_for(DAY)
    assert headings(world) == [1, 2, 3, 4, 5]
    assert channel_texts(world) == await expected_texts(world, fifth)  # each installment exactly once, in order
    posts = len(world.discord.posts)
    await world.run_for(2 * DAY)
    assert len(world.discord.posts) == posts

    await update_elsewhere(world, 5, "v4", status="Complete")  # marked complete, no new chapter
    assert (await world.serials.get(1, schedule.id)).state == "active"
    await world.run_for(DAY)
    done = await world.serials.get(1, schedule.id)
    assert done.state == "finished" and not done.waiting and done.total == 5
    assert len(world.discord.posts) == posts and world.discord.notices == []
    await world.run_for(5 * DAY)
    assert len(world.discord.posts) == posts


async def test_a_complete_two_chapter_story_finishes_with_its_last_installment(open_world):
    world = await open_world()
    record = await save(world.services.stories, 2, "v1", status="Complete")
    schedule, _ = await world.serials.create(guild_id=1, channel_id=10, record=record, user_id=7, every="daily")
    await world.run_for(DAY + 9 * 3600)  # the 25th and 26th at 20:00: the second release ends it
    assert headings(world) == [1, 2]
    done = await world.serials.get(1, schedule.id)
    assert done.state == "finished" and not done.waiting and done.next_due is None
    await world.run_for(5 * DAY)
    assert headings(world) == [1, 2]


async def test_the_last_chapters_and_complete_at_once_post_then_finish(open_world):
    world = await open_world()
    record = await save(world.services.stories, 2, "v1")
    schedule, _ = await world.serials.create(guild_id=1, channel_id=10, record=record, user_id=7, every="daily")
    await world.run_for(DAY)  # installment 1 out, 2 due tomorrow
    await update_elsewhere(world, 3, "v2", status="Complete")  # mid-serial: the total grows before it runs out
    await world.run_for(DAY)
    assert world.discord.channel(10)[-2].startswith("📖 **Still Writing** · installment 2 of 3")
    await world.run_for(DAY)
    assert headings(world) == [1, 2, 3]
    assert (await world.serials.get(1, schedule.id)).state == "finished"


async def test_slots_passed_while_waiting_and_down_are_not_skipped(open_world):
    """Catch-up "skip" counts missed installments; a waiting serial missed none, so new chapters all post."""
    world = await open_world("down.db")
    record = await save(world.services.stories, 2, "v1")
    schedule, _ = await world.serials.create(
        guild_id=1, channel_id=10, record=record, user_id=7, every="daily", catch_up="skip"
    )
    await world.run_for(3 * DAY)  # both out, one empty slot
    await world.close()  # the bot is down for four days; meanwhile two chapters are added
    world.time.advance_to(world.time.now() + timedelta(days=4))
    await update_elsewhere(world, 4, "v2")
    later = await open_world("down.db", world.discord, world.time)
    await later.run_for(60)
    assert headings(later) == [1, 2, 3]  # posted on restart, not skipped
    assert not [t for t in later.discord.channel(10) if t.startswith("⏭️")]
    await later.run_for(DAY)
    assert headings(later) == [1, 2, 3, 4]
    assert (await later.serials.get(1, schedule.id)).waiting

"""migrate-db's copy: every table, counted on both sides, into an empty database only."""

from __future__ import annotations

import pytest

from bot.core.delivery import Outgoing
from bot.store.database import Database
from bot.store.move import TABLES, CountMismatch, TargetNotEmpty, copy_database, counts
from bot.store.outbox import OutboxRepository
from bot.store.responses import ResponseRepository
from bot.store.stories import StoryRepository
from tests.store.test_stories import NOW, save, story


async def _filled(path) -> Database:
    db = await Database.open(path)
    stories = StoryRepository(db)
    first, _ = await save(stories, story(tags=("angst",), warnings=("Major Character Death",)))
    await save(stories, story(title="Naïve Hearts"), path="b.txt", slug="naive-hearts")
    outbox, responses = OutboxRepository(db), ResponseRepository(db)
    rating = first.rating
    for seq, message_id in ((1, 501), (2, 502)):
        message = Outgoing(
            stream="live:10", seq=seq, part=0, guild_id=1, channel_id=10, text=f"part {seq}",
            story_id=first.id, installment=seq, rating=rating, nonce=f"n{seq}",
        )  # fmt: skip
        await outbox.record_intent(message, NOW)
        await outbox.record_sent(message, message_id, NOW)
    await responses.react(501, 7, "❤️", NOW)
    await responses.react(502, 8, "😭", NOW)
    await responses.add_feedback(
        story_id=first.id, guild_id=1, user_id=7, user_name="ann", installment=2, text="More!", now=NOW
    )
    return db


async def test_everything_is_copied_and_counted(tmp_path, postgres_url):
    source = await _filled(tmp_path / "old.db")
    target = await Database.open(postgres_url)
    try:
        copied = await copy_database(source, target, batch=1)  # a batch of one row: every page boundary
        assert copied.counts == await counts(source) == await counts(target)
        assert copied.counts["stories"] == 2 and copied.counts["reactions"] == 2 and copied.counts["posts"] == 2
        moved = StoryRepository(target)
        assert [r.slug for r in await moved.all()] == [r.slug for r in await StoryRepository(source).all()]
        assert [r.slug for r in await moved.search("naive")] == ["naive-hearts"]  # search rebuilt, accents folded
        assert [s for s, _ in await moved.title_matches("hea")] == ["naive-hearts"]
        assert (await ResponseRepository(target).feedback(1))[0].text == "More!"
        with pytest.raises(TargetNotEmpty, match=r"not empty \(2 stories"):
            await copy_database(source, target)
    finally:
        await source.close()
        await target.close()


async def test_a_count_that_does_not_match_keeps_nothing(tmp_path, postgres_url, monkeypatch):
    source = await _filled(tmp_path / "old.db")
    target = await Database.open(postgres_url)
    real = source.stream

    async def short(sql, batch=2000):  # the source loses a reaction while it is read
        async for rows in real(sql, batch):
            yield rows[:-1] if "reactions" in sql and len(rows) > 1 else rows

    monkeypatch.setattr(source, "stream", short)
    try:
        with pytest.raises(CountMismatch, match="reactions: 2 rows in the source but 1 copied"):
            await copy_database(source, target)
        assert not any((await counts(target)).values())
    finally:
        await source.close()
        await target.close()


def test_every_table_is_copied():
    """A table added by a migration must be added to the copy, or it would be lost in a move."""
    import re

    from bot.store.database import available_migrations

    created = set()
    for _, _, script in available_migrations("postgresql"):
        created |= set(re.findall(r"CREATE TABLE (\w+)", script))
    assert created - {"story_search", "claims"} == set(TABLES)

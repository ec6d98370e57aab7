"""Server shelves in SQLite: who sees what, own stories winning, removal keeping the author's record."""

import sqlite3
from datetime import UTC, datetime

from bot.core.models import Chapter, Story, StoryMeta
from bot.store.database import Database, available_migrations
from bot.store.shelves import ShelfRepository, ShelfUsage
from bot.store.stories import StoryRepository

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
A, B = 111, 222


def story(title: str, author: str = "Ann", fandom: str = "Buffy") -> Story:
    return Story(StoryMeta(title=title, author=author, fandom=fandom, rating_raw="T"), (Chapter("One", ("Words.",)),))


async def put(repo: StoryRepository, title: str, *, guild: int | None, path: str, digest: str, size: int = 100):
    record, _ = await repo.save(
        story(title),
        source_path=path,
        source_format="plain",
        content_hash=digest,
        slug=title.lower().replace(" ", "-"),
        now=NOW,
        guild_id=guild,
        size=size,
    )
    return record


async def test_a_servers_story_is_seen_there_and_nowhere_else(db):
    repo = StoryRepository(db)
    await put(repo, "Shared Tale", guild=None, path="shared.txt", digest="s")
    own = await put(repo, "Secret Garden", guild=A, path="garden.txt", digest="g")
    assert own.guild_id == A
    assert (await repo.by_slug("secret-garden", guild_id=A)).id == own.id
    assert await repo.by_slug("secret-garden", guild_id=B) is None
    assert await repo.by_slug("secret-garden") is None  # the shared library alone
    for guild, expected in ((A, {"Shared Tale", "Secret Garden"}), (B, {"Shared Tale"}), (None, {"Shared Tale"})):
        records, total = await repo.browse(guild_id=guild)
        assert {r.title for r in records} == expected and total == len(expected)
        assert {t for _, t in await repo.first_titles(guild_id=guild)} == expected
        assert set((await repo.titles(guild_id=guild)).values()) == expected
        assert {r.title for r in await repo.search("garden tale", guild_id=guild)} <= expected
        assert {t for _, t in await repo.title_matches("se", guild_id=guild)} == expected & {"Secret Garden"}
    assert [r.title for r in await repo.search("garden", guild_id=B)] == []


async def test_a_servers_own_story_wins_over_a_shared_one_of_the_same_slug(db):
    repo = StoryRepository(db)
    shared = await put(repo, "Fight For Me", guild=None, path="fight.txt", digest="1")
    own = await put(repo, "Fight For Me", guild=A, path="fight.txt", digest="2")
    assert own.slug == shared.slug == "fight-for-me"  # a slug is unique on its shelf, not across shelves
    assert (await repo.by_slug("fight-for-me", guild_id=A)).id == own.id
    assert (await repo.by_slug("fight-for-me", guild_id=B)).id == shared.id
    records, total = await repo.browse(guild_id=A)
    assert total == 1 and records[0].id == own.id  # listed once, as the server's own


async def test_slugs_are_unique_on_one_shelf(db):
    repo = StoryRepository(db)
    first = await put(repo, "Twin", guild=A, path="one.txt", digest="1")
    second = await put(repo, "Twin", guild=A, path="two.txt", digest="2")
    assert (first.slug, second.slug) == ("twin", "twin-2")


async def test_the_importers_files_are_the_shared_librarys_only(db):
    repo = StoryRepository(db)
    await put(repo, "Shared Tale", guild=None, path="shared.txt", digest="s")
    await put(repo, "Uploaded", guild=A, path="uploaded.txt", digest="u")
    assert [f.source_path for f in await repo.library_files()] == ["shared.txt"]


async def test_removal_keeps_the_row_for_the_authors_export_and_frees_the_slug(db):
    repo, shelves = StoryRepository(db), ShelfRepository(db, StoryRepository(db))
    record = await put(repo, "Gone Girl", guild=A, path="gone.txt", digest="x", size=5000)
    assert await shelves.usage(A) == ShelfUsage(1, 5000)
    assert await shelves.remove(record.id, NOW)
    assert not await shelves.remove(record.id, NOW)  # only once
    assert await repo.by_id(record.id) is None
    assert (await repo.by_id(record.id, removed_too=True)).title == "Gone Girl"
    assert await repo.by_slug("gone-girl", guild_id=A) is None
    assert await repo.chapters(record.id) == ()
    assert await shelves.usage(A) == ShelfUsage(0, 0)
    again = await put(repo, "Gone Girl", guild=A, path="gone.txt", digest="x")
    assert again.slug == "gone-girl" and again.id != record.id


async def test_content_and_source_lookups_stay_on_the_shelf(db):
    repo, shelves = StoryRepository(db), ShelfRepository(db, StoryRepository(db))
    shared = await put(repo, "Shared Tale", guild=None, path="shared.txt", digest="same")
    assert (await shelves.with_content("same", A)).id == shared.id  # a server sees the shared copy
    own = await put(repo, "Mine", guild=A, path="mine.txt", digest="mine")
    assert (await shelves.with_content("mine", A)).id == own.id
    assert await shelves.with_content("mine", B) is None
    assert (await shelves.from_source("mine.txt", A)).id == own.id
    assert await shelves.from_source("mine.txt", B) is None


async def test_the_shelf_migration_keeps_every_row_that_points_at_a_story(tmp_path, monkeypatch):
    """The stories table is rebuilt with foreign keys off: nothing cascades away."""
    path = tmp_path / "old.db"
    before = [m for m in available_migrations() if m[0] < 10]
    monkeypatch.setattr("bot.store.sqlite.available_migrations", lambda: before)
    async with await Database.open(path) as db, db.transaction() as conn:  # the schema as version 9 left it
        await conn.execute(
            "INSERT INTO stories (id, slug, title, title_key, rating, servable, words, chapter_count, meta, "
            "source_path, source_format, content_hash, imported_at, updated_at, source_size) "
            """VALUES (7, 'old-tale', 'Old Tale', 'old tale', 'T', 1, 1, 1, '{"title": "Old Tale"}', 'old.txt', """
            "'plain', 'h', 'now', 'now', 321)"
        )
        await conn.execute("INSERT INTO chapters VALUES (7, 1, 'One', 'Words.', 1)")
        await conn.execute(
            "INSERT INTO posts (message_id, guild_id, channel_id, story_id, installment, posted_at) "
            "VALUES (5, 1, 2, 7, 1, 'now')"
        )
    monkeypatch.undo()
    async with await Database.open(path) as db:
        assert await db.user_version() == len(available_migrations())
        assert (await db.fetchone("SELECT count(*) FROM posts"))[0] == 1
        assert (await db.fetchone("SELECT count(*) FROM chapters"))[0] == 1
        moved = await StoryRepository(db).by_slug("old-tale")
        assert moved is not None and moved.id == 7 and moved.guild_id is None
        assert await ShelfRepository(db, StoryRepository(db)).size_of(7) == 321
        assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1
    raw = sqlite3.connect(path)
    assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
    raw.close()

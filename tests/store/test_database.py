import asyncio
import sqlite3

import pytest

from bot.core.errors import DatabaseBusy
from bot.store.database import Database, available_migrations


async def test_migrations_set_user_version_and_are_idempotent(tmp_path):
    path = tmp_path / "s.db"
    async with await Database.open(path) as db:
        assert await db.user_version() == len(available_migrations())
    async with await Database.open(path) as db:  # reopening applies nothing twice
        assert await db.user_version() == len(available_migrations())
        tables = {r[0] for r in await db.fetchall("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"stories", "chapters", "story_tags", "story_search"} <= tables


async def test_wal_and_foreign_keys(tmp_path):
    db = await Database.open(tmp_path / "s.db")
    assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"
    assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1
    await db.close()


async def test_a_failed_transaction_leaves_nothing(db):
    with pytest.raises(RuntimeError):
        async with db.transaction() as conn:
            await conn.execute(
                "INSERT INTO stories (id, slug, title, title_key, rating, servable, words, chapter_count, meta, "
                "source_path, source_format, content_hash, imported_at, updated_at) "
                "VALUES (1, 'x', 'X', 'x', 'G', 1, 1, 1, '{}', 'x.txt', 'plain', 'h', 'now', 'now')"
            )
            raise RuntimeError("boom")
    assert (await db.fetchone("SELECT count(*) FROM stories"))[0] == 0


async def test_a_broken_migration_rolls_back_whole(tmp_path, monkeypatch):
    good = available_migrations()
    broken = [*good, (len(good) + 1, "9999_broken.sql", "CREATE TABLE half (x); SELECT * FROM missing;")]
    monkeypatch.setattr("bot.store.sqlite.available_migrations", lambda: broken)
    with pytest.raises(sqlite3.OperationalError, match="missing"):
        await Database.open(tmp_path / "m.db")
    monkeypatch.setattr("bot.store.sqlite.available_migrations", lambda: good)
    async with await Database.open(tmp_path / "m.db") as db:
        assert await db.user_version() == len(good)
        assert await db.fetchone("SELECT name FROM sqlite_master WHERE name = 'half'") is None


async def test_a_writer_cancelled_while_it_begins_leaves_no_transaction_open(tmp_path):
    db = await Database.open(tmp_path / "cancel.db")

    async def write() -> None:
        async with db.transaction() as conn:
            await conn.execute("INSERT INTO bot_state (key, value) VALUES ('a', '1')")

    for _ in range(20):  # cancelled at each point it can be: waiting on BEGIN, the insert, the commit
        task = asyncio.create_task(write())
        await asyncio.sleep(0)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    async with db.transaction() as conn:  # the next writer starts cleanly
        await conn.execute("INSERT OR REPLACE INTO bot_state (key, value) VALUES ('b', '2')")
    assert (await db.fetchone("SELECT value FROM bot_state WHERE key = 'b'"))[0] == "2"
    await db.close()


async def test_a_database_locked_by_another_process_is_busy_not_a_crash(tmp_path):
    path = tmp_path / "busy.db"
    db = await Database.open(path, busy_timeout=0.1)
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(DatabaseBusy):
            async with db.transaction() as conn:
                await conn.execute("INSERT INTO bot_state (key, value) VALUES ('a', '1')")
    finally:
        other.execute("ROLLBACK")
        other.close()
    async with db.transaction() as conn:  # and it works again once the other process lets go
        await conn.execute("INSERT INTO bot_state (key, value) VALUES ('a', '1')")
    await db.close()

"""What only PostgreSQL does: processes migrating together, one writer across them, a clear refusal."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from bot.core.errors import DatabaseBusy
from bot.store.database import Database, DatabaseUnusable, available_migrations
from bot.store.postgres import numbered, redacted


async def test_processes_starting_together_migrate_once(postgres_url):
    first, second = await asyncio.gather(Database.open(postgres_url), Database.open(postgres_url))
    try:
        latest = available_migrations("postgresql")[-1][0]
        assert latest == len(available_migrations()) == 11  # the same numbers as SQLite's
        assert await first.user_version() == await second.user_version() == latest
        again = await Database.open(postgres_url)  # reopening applies nothing twice
        assert await again.user_version() == latest
        await again.close()
    finally:
        await first.close()
        await second.close()


async def test_writers_in_two_processes_take_turns_and_a_long_wait_is_busy(postgres_url):
    db = await Database.open(postgres_url, busy_timeout=0.3)
    other = await asyncpg.connect(postgres_url)  # another process, in the middle of a write
    try:
        async with other.transaction():
            await other.execute("SELECT pg_advisory_xact_lock($1)", 0x53544F52)
            with pytest.raises(DatabaseBusy):
                async with db.transaction() as conn:
                    await conn.execute("INSERT INTO bot_state (key, value) VALUES ('a', '1')")
        async with db.transaction() as conn:  # the other writer is done: this one goes through
            await conn.execute("INSERT INTO bot_state (key, value) VALUES ('a', '1')")
        assert (await db.fetchone("SELECT value FROM bot_state WHERE key = ?", ("a",)))[0] == "1"
    finally:
        await other.close()
        await db.close()


async def test_a_database_that_does_not_exist_is_named_without_the_password(postgres_cluster):
    url = postgres_cluster.url("nowhere").replace("://storyteller@", "://storyteller:hunter2@")
    with pytest.raises(DatabaseUnusable, match="the database nowhere does not exist") as caught:
        await Database.open(url)
    assert "hunter2" not in str(caught.value) and "***" in str(caught.value)


def test_placeholders_become_numbered_outside_quotes():
    assert numbered("SELECT '?' || ?, \"a?\" FROM t WHERE x = ? AND y IN (?, ?)") == (
        "SELECT '?' || $1, \"a?\" FROM t WHERE x = $2 AND y IN ($3, $4)"
    )
    assert redacted("postgresql://u:pw@h:5/d") == "postgresql://u:***@h:5/d"
    assert redacted("postgresql://u@h/d") == "postgresql://u@h/d"

"""A reading whose step fails is retried with backoff, and its status says what it waits for."""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

import pytest

from bot.core.pacing import reading_script
from bot.reading.ports import Clock
from bot.services import Services
from bot.settings import Settings
from bot.store.database import Database
from tests.postgres import find_binaries, throwaway_cluster
from tests.reading.fakes import FakeDiscord

CHANNEL = 30
# Short chapters: each is a heading and one short message, so the reading has many quick posts.
CHAPTERS = "Title: Small Hours\nAuthor: Q\nRating: K\n\n" + "\n\n".join(
    f"Chapter {n}\n\nThe clock struck {n} and the house stayed quiet." for n in range(1, 9)
)
HOLD_LOCK = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
connection.execute("COMMIT")
"""


async def until(condition, within: float, poll: float = 0.05):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        value = await condition()
        if value:
            return value
        await asyncio.sleep(poll)
    raise AssertionError(f"not within {within} s")


async def test_a_live_reading_waits_out_a_locked_database_and_resumes(tmp_path: Path):
    stories = tmp_path / "stories"
    stories.mkdir()
    (stories / "small-hours.txt").write_text(CHAPTERS, encoding="utf-8")
    db_path = tmp_path / "locked.db"
    db = await Database.open(db_path)
    services = Services(Settings(database_path=db_path, stories_dir=stories), db)
    await services.importer.import_paths()
    clock = Clock.scaled(10)  # pacing and backoff ten times faster; the lock and busy timeout stay real
    discord = FakeDiscord(clock)
    readings = services.readings(discord, clock)
    await readings.start()
    record = await services.stories.by_slug("small-hours")
    script = [p.text for p in reading_script(await services.catalog.installments(record))]
    try:
        await readings.live.start(channel_id=CHANNEL, guild_id=1, record=record, user_id=7)

        async def posted(count: int) -> bool:
            return len(discord.channel(CHANNEL)) >= count

        await until(lambda: posted(2), 10)
        locker = await asyncio.create_subprocess_exec(
            sys.executable, "-c", HOLD_LOCK, str(db_path), "10", stdout=asyncio.subprocess.PIPE
        )
        assert (await locker.stdout.readline()).strip() == b"locked"

        async def waiting() -> str | None:
            return (await readings.live.status(CHANNEL)).waiting

        reason = await until(waiting, 12, poll=0.5)
        assert reason.startswith("the database is busy, retrying in")
        status = await readings.live.status(CHANNEL)
        assert status.state == "running" and status.position < len(script)

        await locker.wait()
        released = time.monotonic()

        async def finished() -> bool:
            return await readings.live.get(CHANNEL) is None

        await until(finished, 30)
        assert time.monotonic() - released < 30
        assert [t for t in discord.channel(CHANNEL) if not t.startswith("— *The end")] == script  # each once
    finally:
        await readings.close()
        await db.close()


async def test_a_live_reading_waits_out_a_postgresql_restart_and_resumes(tmp_path: Path):
    """The database server goes away mid-reading (a restart, a failover): the reading waits, says
    why, and finishes once the server is back, every message once."""
    binaries = find_binaries()
    if binaries is None:
        pytest.skip("PostgreSQL is not installed here (no initdb, pg_ctl and postgres found)")
    stories = tmp_path / "stories"
    stories.mkdir()
    (stories / "small-hours.txt").write_text(CHAPTERS, encoding="utf-8")
    with throwaway_cluster(binaries) as cluster:  # its own: this test stops it
        db = await Database.open(cluster.url())
        services = Services(Settings(stories_dir=stories), db)
        await services.importer.import_paths()
        clock = Clock.scaled(10)
        discord = FakeDiscord(clock)
        readings = services.readings(discord, clock)
        await readings.start()
        record = await services.stories.by_slug("small-hours")
        script = [p.text for p in reading_script(await services.catalog.installments(record))]
        try:
            await readings.live.start(channel_id=CHANNEL, guild_id=1, record=record, user_id=7)

            async def posted() -> bool:
                return len(discord.channel(CHANNEL)) >= 2

            await until(posted, 10)
            await asyncio.to_thread(cluster.stop)

            async def waiting() -> str | None:
                return readings.engine.waiting("live", CHANNEL)

            reason = await until(waiting, 15, poll=0.2)
            assert reason.startswith("the database cannot be reached, retrying in"), reason
            assert len(discord.channel(CHANNEL)) < len(script)
            await asyncio.sleep(1)
            await asyncio.to_thread(cluster.start)

            async def finished() -> bool:
                return await readings.live.get(CHANNEL) is None

            await until(finished, 60, poll=0.5)
            assert [t for t in discord.channel(CHANNEL) if not t.startswith("— *The end")] == script  # each once
        finally:
            await readings.close()
            await db.close()

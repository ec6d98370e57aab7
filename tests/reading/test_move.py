"""Moving house mid-serial: `python -m bot migrate-db` to PostgreSQL, and the serial carries on there."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

from tests.conftest import ROOT
from tests.reading.conftest import build_world
from tests.reading.fakes import FakeDiscord, VirtualClock
from tests.reading.test_recovery import DAY, installment_numbers


async def test_a_running_serial_moves_to_postgresql_and_continues_without_a_repeat(tmp_path, stories_dir, postgres_url):
    time = VirtualClock()
    discord = FakeDiscord(time.clock)
    old = tmp_path / "old.db"
    world = await build_world(old, stories_dir, discord, time)
    await world.readings.start()
    record = await world.story("the-long-watch")
    schedule, _ = await world.serials.create(guild_id=1, channel_id=10, record=record, user_id=7, every="daily")
    await world.run_for(3 * DAY + 60)
    assert installment_numbers(discord, 10) == [1, 2, 3]
    responses = world.services.responses
    for post in discord.posts[:3]:
        assert await responses.react(post.id, 42, "❤️", time.now())
    library = [(r.id, r.slug, r.title) for r in await world.services.stories.all()]
    reactions = await responses.by_installment(record.id, 1)
    await world.close()

    env = {**os.environ, "DATABASE_PATH": str(old), "STORIES_DIR": str(stories_dir), "DISCORD_TOKEN": ""}
    moved = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "bot", "migrate-db", "--to", postgres_url],
        cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert moved.returncode == 0, moved.stderr
    assert "Copied and verified" in moved.stdout and "reactions 3" in moved.stdout

    again = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "bot", "migrate-db", "--to", postgres_url],
        cwd=tmp_path, env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert again.returncode == 1 and "is not empty" in again.stderr and "Traceback" not in again.stderr

    time.advance_to(time.now() + (discord.posts[-1].at - time.now()))  # the new process starts where it stopped
    world = await build_world(postgres_url, stories_dir, discord, time)
    try:
        assert world.services.db.dialect.name == "postgresql"
        assert [(r.id, r.slug, r.title) for r in await world.services.stories.all()] == library
        assert await world.services.responses.by_installment(record.id, 1) == reactions
        await world.readings.start()
        await world.run_for(10 * DAY)
        assert installment_numbers(discord, 10) == list(range(1, 13))
        texts = discord.channel(10)
        assert len(texts) == len(set(texts)) == 24  # a heading and one message per installment, each once
        assert (await world.serials.get(1, schedule.id)).state == "finished"
    finally:
        await world.close()

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from bot.reading.readings import Readings
from bot.reading.serials import Serials
from bot.services import Services
from bot.settings import Settings
from bot.store.database import Database
from tests.conftest import SHIPPED_STORY
from tests.reading.fakes import Crash, FakeDiscord, VirtualClock

# A story of twelve ~1-minute installments, each its own chapter.
SERIAL = "Title: The Long Watch\nAuthor: Q\nRating: K\n\n" + "\n\n".join(
    f"Chapter {n}\n\n" + (f"Night {n} fell again over the quiet town. " * 30) for n in range(1, 13)
)


@dataclass
class World:
    services: Services
    discord: FakeDiscord
    readings: Readings
    serials: Serials
    db_path: Path
    time: VirtualClock
    outside: Callable[[], int] = lambda: 0  # a test's own tasks that sleep or queue beside the engine's

    async def settle(self) -> None:
        """Until every engine task is asleep on the clock or queued for a send slot."""

        def busy() -> int:
            # the dispatcher, the send queue's worker and each step under way, less those asleep
            # (everything in the engine waits on the clock, a turn in the send queue included)
            return self.readings.engine.tasks() + self.outside() - self.time.asleep()

        for attempt in range(100_000):
            if self.discord.crashed:  # the process died: nothing more of it runs
                raise Crash("the process was killed")
            await asyncio.sleep(0 if attempt % 20 else 0.0002)  # let aiosqlite's thread hand back results
            if busy() <= 0:
                await asyncio.sleep(0)
                if busy() <= 0:
                    return
        raise AssertionError("the engine never settled")

    async def run_for(self, seconds: float) -> None:
        """Let ``seconds`` of engine time pass, waking every sleeper in order."""
        end = self.time.now() + timedelta(seconds=seconds)
        while True:
            await self.settle()
            wake = self.time.next_wake()
            if wake is None or wake > end:
                self.time.advance_to(end)
                await self.settle()
                return
            self.time.advance_to(wake)

    async def story(self, slug: str):
        return await self.services.stories.by_slug(slug)

    async def close(self) -> None:
        await self.readings.close()
        await self.services.db.close()


async def build_world(
    db_path: Path, stories_dir: Path, discord: FakeDiscord | None = None, time: VirtualClock | None = None
) -> World:
    time = time or VirtualClock()
    clock = time.clock
    db = await Database.open(db_path)
    services = Services(
        Settings(database_path=db_path, stories_dir=stories_dir, installment_minutes=1), db, now=clock.now
    )
    await services.importer.import_paths()
    discord = discord or FakeDiscord(clock)
    discord.clock = clock
    readings = services.readings(discord, clock)
    readings.engine.max_sleep = 2 * 24 * 3600  # fewer idle re-checks to simulate; due times wake it all the same
    return World(services, discord, readings, readings.serials, db_path, time)


@pytest.fixture
def stories_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "stories"
    folder.mkdir()
    shutil.copy(SHIPPED_STORY, folder / "fight-for-me.txt")
    (folder / "the-long-watch.txt").write_text(SERIAL, encoding="utf-8")
    return folder


@pytest.fixture
async def open_world(tmp_path: Path, stories_dir: Path) -> AsyncIterator[Callable[..., Awaitable[World]]]:
    """Builds worlds inside the test, where looptime's clock runs (not in fixture set-up)."""
    opened: list[World] = []

    async def build(
        db_name: str = "serials.db", discord: FakeDiscord | None = None, time: VirtualClock | None = None
    ) -> World:
        world = await build_world(tmp_path / db_name, stories_dir, discord, time)
        await world.readings.start()
        opened.append(world)
        return world

    yield build
    for world in opened:
        await world.close()

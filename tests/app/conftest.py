"""The use cases without any front end: real services over SQLite in tmp_path, a fake publisher."""

from __future__ import annotations

import asyncio
import itertools
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.app.actor import Actor
from bot.app.wiring import App
from bot.reading.ports import ChannelInfo, Clock
from bot.services import Services
from bot.settings import Settings
from bot.store.database import Database
from tests.conftest import SHIPPED_STORY

GUILD = 100
CHANNEL = 200
AFTER_DARK = 201  # an age-restricted channel
NOW = datetime(2026, 3, 25, 12, 0, tzinfo=UTC)

E_STORY = "Title: Midnight Heat\nAuthor: Ann\nRating: Explicit\nSummary: Secret summary.\n\n{}\n"
M_STORY = "Title: Grey Areas\nAuthor: Bo\nRating: M\nSummary: Mature summary.\n\n{}\n"
BODY = "\n\n".join("The night was long and the candles burned low. " * 6 for _ in range(20))


@dataclass
class FakePublisher:
    """Channels in one guild; AFTER_DARK is age-restricted. Posts are only remembered."""

    restricted: set[int] = field(default_factory=lambda: {AFTER_DARK})
    sent: list[tuple[int, str]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))

    async def channel_info(self, channel_id: int) -> ChannelInfo:
        return ChannelInfo(channel_id, GUILD, channel_id in self.restricted)

    async def send(self, channel_id: int, text: str, **kwargs: object) -> int:
        self.sent.append((channel_id, text))
        return next(self._ids)

    async def typing(self, channel_id: int) -> None:
        return None

    async def find_recent(self, channel_id: int, text: str, since: datetime) -> int | None:
        return None

    async def start_thread(self, channel_id: int, message_id: int, name: str) -> int:
        return message_id

    async def notify(self, guild_id: int, user_id: int, text: str) -> None:
        return None


@pytest.fixture
async def services(tmp_path: Path, db_target: Path | str) -> AsyncIterator[Services]:
    folder = tmp_path / "stories"
    folder.mkdir()
    shutil.copy(SHIPPED_STORY, folder / "fight-for-me.txt")
    (folder / "midnight-heat.txt").write_text(E_STORY.format(BODY), encoding="utf-8")
    (folder / "grey-areas.txt").write_text(M_STORY.format(BODY), encoding="utf-8")
    settings = Settings(database_path=tmp_path / "bot.db", stories_dir=folder)
    db = await Database.open(db_target)
    svc = Services(settings, db)
    report = await svc.importer.import_paths()
    assert not report.failed, report.summary()
    try:
        yield svc
    finally:
        await db.close()


@pytest.fixture
def publisher() -> FakePublisher:
    return FakePublisher()


@pytest.fixture
async def app(services: Services, publisher: FakePublisher) -> AsyncIterator[App]:
    clock = Clock(now=lambda: NOW, sleep=asyncio.sleep)
    readings = services.readings(publisher, clock)  # not started: no delivery runs in these tests
    try:
        yield App.build(services, readings, clock)
    finally:
        await readings.close()


def member(user_id: int = 1, channel_id: int = CHANNEL, **kwargs: object) -> Actor:
    return Actor(user_id=user_id, guild_id=GUILD, channel_id=channel_id, name=f"user{user_id}", **kwargs)  # type: ignore[arg-type]


def admin(user_id: int = 9, channel_id: int = CHANNEL) -> Actor:
    return member(user_id, channel_id, manage_guild=True, manage_messages=True)

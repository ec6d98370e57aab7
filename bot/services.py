"""The services every front end shares (Discord and the console), built over one database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from bot.app.ports import Fetched, ShelfLimits
from bot.core.scope import EVERYTHING, GuildScope
from bot.library.catalog import Catalog
from bot.library.importer import Importer
from bot.reading.claims import Claims
from bot.reading.ports import Clock, Publisher
from bot.reading.readings import Readings
from bot.settings import Settings
from bot.store.claims import ClaimRepository
from bot.store.database import Database
from bot.store.guilds import BotStateRepository, GuildSettingsRepository
from bot.store.outbox import OutboxRepository
from bot.store.readings import LiveReadingRepository, ReaderProgressRepository
from bot.store.responses import ResponseRepository
from bot.store.schedules import ScheduleRepository
from bot.store.shelves import ShelfRepository
from bot.store.stories import StoryRepository


def utcnow() -> datetime:
    return datetime.now(UTC)


class Services:
    """Repositories and the library; each front end adds its readings with :meth:`readings`."""

    def __init__(self, settings: Settings, db: Database, now: Callable[[], datetime] = utcnow) -> None:
        self.settings = settings
        self.db = db
        self.stories = StoryRepository(db)
        self.guilds = GuildSettingsRepository(db)
        self.bot_state = BotStateRepository(db)
        self.live_readings = LiveReadingRepository(db)
        self.progress = ReaderProgressRepository(db)
        self.schedules = ScheduleRepository(db)
        self.responses = ResponseRepository(db)
        self.outbox = OutboxRepository(db)
        self.claims = ClaimRepository(db)
        self.catalog = Catalog(
            self.stories,
            words_per_minute=settings.words_per_minute,
            installment_minutes=settings.installment_minutes,
        )
        self.importer = Importer(self.stories, settings.stories_dir, now)
        self.shelves = ShelfRepository(db, self.stories)
        self.shelf_limits = ShelfLimits(
            max_file_bytes=settings.max_upload_bytes,
            max_stories=settings.shelf_max_stories,
            max_bytes=settings.shelf_max_bytes,
        )
        self.fetcher = LinkFetcher(timeout=settings.fetch_timeout, max_bytes=settings.max_upload_bytes)

    def readings(self, publisher: Publisher, clock: Clock, scope: GuildScope = EVERYTHING) -> Readings:
        """Live and serial readings for one front end, posting through ``publisher`` for ``scope``'s servers."""
        return Readings.build(
            scope=scope,
            publisher=publisher,
            clock=clock,
            stories=self.stories,
            catalog=self.catalog,
            guilds=self.guilds,
            live_readings=self.live_readings,
            schedules=self.schedules,
            outbox=self.outbox,
            claims=Claims(self.claims, clock, ttl=self.settings.claim_seconds),
            rate=self.settings.rest_rate,
        )


class LinkFetcher:
    """Story pages fetched through FanFicFare (the optional ``fetch`` extra) in a process of its own."""

    def __init__(self, *, timeout: float, max_bytes: int) -> None:
        self.timeout = timeout
        self.max_bytes = max_bytes

    @property
    def available(self) -> bool:
        from bot.library.fetch import fetch_available  # only when a link is imported

        return fetch_available()

    async def __call__(self, url: str) -> Fetched:
        from bot.library.fetch import fetch_story

        return await fetch_story(url, timeout=self.timeout, max_bytes=self.max_bytes)

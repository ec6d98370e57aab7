"""The services every front end shares (Discord and the console), built over one database."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from bot.library.catalog import Catalog
from bot.library.importer import Importer
from bot.reading.live import LiveReadings
from bot.reading.ports import Clock, Publisher
from bot.reading.readings import Readings
from bot.reading.scheduler import Scheduler
from bot.reading.send_queue import SendQueue
from bot.reading.serials import Serials
from bot.reading.venues import Venues
from bot.settings import Settings
from bot.store.database import Database
from bot.store.guilds import BotStateRepository, GuildSettingsRepository
from bot.store.readings import LiveReadingRepository, ReaderProgressRepository
from bot.store.responses import ResponseRepository
from bot.store.schedules import ScheduleRepository
from bot.store.stories import StoryRepository


def utcnow() -> datetime:
    return datetime.now(UTC)


class Services:
    """Repositories and use cases; front ends add their own publisher for live readings."""

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
        self.catalog = Catalog(
            self.stories,
            words_per_minute=settings.words_per_minute,
            installment_minutes=settings.installment_minutes,
        )
        self.importer = Importer(self.stories, settings.stories_dir, now)

    def readings(self, publisher: Publisher, clock: Clock) -> Readings:
        """Live and serial readings for one front end, posting through ``publisher``."""
        live = self.live(publisher, clock)
        scheduler = self.scheduler(live, clock)
        return Readings(venues=live.venues, live=live, serials=Serials(scheduler), engine=scheduler)

    def scheduler(self, live: LiveReadings, clock: Clock) -> Scheduler:
        """The serial-reading engine, posting through the same publisher as live readings."""
        return Scheduler(schedules=self.schedules, stories=self.stories, live=live, clock=clock, queue=live.queue)

    def live(self, publisher: Publisher, clock: Clock) -> LiveReadings:
        return LiveReadings(
            readings=self.live_readings,
            stories=self.stories,
            catalog=self.catalog,
            venues=Venues(publisher, self.guilds),
            publisher=publisher,
            clock=clock,
            queue=SendQueue(clock),  # one queue for the whole front end: live and serial posts share it
            responses=self.responses,
        )

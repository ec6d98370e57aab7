"""Everything a front end needs to read stories into channels, built over one publisher and clock."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.scope import EVERYTHING, GuildScope
from bot.library.catalog import Catalog
from bot.reading.alarm import Alarm
from bot.reading.claims import Claims
from bot.reading.delivery import Deliverer
from bot.reading.engine import DeliveryEngine
from bot.reading.live import LiveReadings
from bot.reading.ports import Clock, Publisher
from bot.reading.recaps import ChannelHistory, SoFar
from bot.reading.releases import Releases
from bot.reading.send_queue import RATE, SendQueue
from bot.reading.serials import Serials
from bot.reading.venues import Venues
from bot.store.guilds import GuildSettingsRepository
from bot.store.outbox import OutboxRepository
from bot.store.readings import LiveReadingRepository
from bot.store.schedules import ScheduleRepository
from bot.store.stories import StoryRepository


@dataclass(frozen=True, slots=True)
class Readings:
    """Live and serial readings over one delivery engine.

    ``venues`` answers where a story may be read; ``live`` and ``serials`` are the
    use cases; ``engine`` runs deliveries. Start it once the front end is connected.
    """

    venues: Venues
    live: LiveReadings
    serials: Serials
    engine: DeliveryEngine
    history: ChannelHistory

    @classmethod
    def build(
        cls,
        *,
        publisher: Publisher,
        clock: Clock,
        stories: StoryRepository,
        catalog: Catalog,
        guilds: GuildSettingsRepository,
        live_readings: LiveReadingRepository,
        schedules: ScheduleRepository,
        outbox: OutboxRepository,
        claims: Claims,
        scope: GuildScope = EVERYTHING,
        rate: float = RATE,
    ) -> Readings:
        """Wire the engine; it delivers only for the servers in ``scope`` (all of them by default)."""
        queue = SendQueue(clock, rate=rate)  # one queue for the whole front end: live and serial posts share it
        venues = Venues(publisher, guilds)
        engine = DeliveryEngine(clock, Alarm(clock), queue, claims)
        deliverer = Deliverer(
            outbox=outbox, publisher=publisher, queue=queue, venues=venues, clock=clock, claims=claims
        )
        live = LiveReadings(
            readings=live_readings,
            stories=stories,
            catalog=catalog,
            deliverer=deliverer,
            publisher=publisher,
            engine=engine,
            clock=clock,
            scope=scope,
        )
        releases = Releases(
            schedules=schedules,
            stories=stories,
            catalog=catalog,
            deliverer=deliverer,
            publisher=publisher,
            clock=clock,
            scope=scope,
        )
        engine.register(live)
        engine.register(releases)
        serials = Serials(
            schedules=schedules,
            stories=stories,
            catalog=catalog,
            venues=venues,
            deliverer=deliverer,
            engine=engine,
            clock=clock,
        )
        history = ChannelHistory(readings=live_readings, schedules=schedules, stories=stories, catalog=catalog)
        return cls(venues=venues, live=live, serials=serials, engine=engine, history=history)

    async def start(self) -> None:
        """Start delivering: interrupted live readings and due releases carry on from the database."""
        self.engine.start()

    async def idle(self) -> None:
        """Until no live reading runs and no delivery is under way (the console waits on this)."""
        while await self.live.any_running():
            await self.engine.clock.sleep(1.0)
        await self.engine.idle()

    async def close(self) -> None:
        """Stop at a message boundary; the database keeps where everything was."""
        await self.engine.close()

    async def so_far(self, channel_id: int) -> SoFar | None:
        """What this channel has read: its live reading, else its latest serial."""
        return await self.history.so_far(channel_id)

"""Everything a front end needs to read stories into channels, built over one publisher and clock."""

from __future__ import annotations

from dataclasses import dataclass

from bot.reading.live import LiveReadings
from bot.reading.recaps import SoFar, channel_so_far
from bot.reading.scheduler import Scheduler
from bot.reading.serials import Serials
from bot.reading.venues import Venues


@dataclass(frozen=True, slots=True)
class Readings:
    """Live and serial readings over one delivery engine.

    ``venues`` answers where a story may be read; ``live`` and ``serials`` are the
    use cases; ``engine`` runs deliveries. Start it once the front end is connected.
    """

    venues: Venues
    live: LiveReadings
    serials: Serials
    engine: Scheduler

    async def start(self) -> None:
        """Resume interrupted live readings and start releasing schedules."""
        await self.live.resume_all()
        self.engine.start()

    async def idle(self) -> None:
        """Until no delivery is under way and no live reading runs (the console waits on this)."""
        await self.live.wait_all()
        await self.engine.idle()

    async def close(self) -> None:
        """Stop at a message boundary; the database keeps where everything was."""
        await self.engine.close()
        await self.live.close()

    async def so_far(self, channel_id: int) -> SoFar | None:
        """What this channel has read: its live reading, else its latest serial."""
        return await channel_so_far(self.live, self.serials, channel_id)

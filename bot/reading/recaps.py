"""What a channel has read so far, for recaps that never spoil what it has not."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.models import StoryRecord
from bot.core.pacing import reading_script
from bot.library.catalog import Catalog
from bot.store.readings import LiveReadingRepository
from bot.store.schedules import ScheduleRepository
from bot.store.stories import StoryRepository


@dataclass(frozen=True, slots=True)
class SoFar:
    """A story and the installments of it a channel has had, each as its messages."""

    record: StoryRecord
    installments: list[list[str]]

    def texts(self, last: int | None = None) -> list[str]:
        chosen = self.installments[-last:] if last else self.installments
        return [message for installment in chosen for message in installment]


class ChannelHistory:
    def __init__(
        self,
        *,
        readings: LiveReadingRepository,
        schedules: ScheduleRepository,
        stories: StoryRepository,
        catalog: Catalog,
    ) -> None:
        self.readings = readings
        self.schedules = schedules
        self.stories = stories
        self.catalog = catalog

    async def so_far(self, channel_id: int) -> SoFar | None:
        """The live reading in a channel, else its latest serial, as far as it has been posted."""
        row = await self.readings.get(channel_id)
        if row is not None:
            record = await self.stories.by_id(row.story_id)
            if record is not None:
                script = reading_script(await self.catalog.installments(record, row.minutes))
                grouped: dict[int, list[str]] = {}
                for post in script[: row.position]:
                    if not post.is_heading:
                        grouped.setdefault(post.installment, []).append(post.text)
                return SoFar(record, list(grouped.values()))
        for schedule in await self.schedules.in_channel(channel_id):
            if schedule.next_installment <= 1:
                continue
            record = await self.stories.by_id(schedule.story_id)
            if record is None:
                continue
            installments = await self.catalog.installments(record, schedule.minutes)
            posted = installments[: schedule.next_installment - 1]
            return SoFar(record, [list(i.messages) for i in posted])
        return None

"""/catchup: a reader who joined late reads what the channel already had, privately."""

from __future__ import annotations

from dataclasses import dataclass

from bot.app.actor import Actor, require_guild
from bot.app.pages import Page, PageKind, clamp
from bot.app.ports import ServicesPort
from bot.app.stories import Stories
from bot.core.errors import NothingToCatchUp
from bot.core.gating import check
from bot.core.models import StoryRecord
from bot.core.recap import recap
from bot.core.serials import Schedule
from bot.reading.ports import Clock


@dataclass(frozen=True, slots=True)
class CatchupStart:
    page: Page
    title: str
    previously: tuple[str, ...]  # a recap of the pages this reader has read, and nothing after


class Catchup:
    def __init__(self, services: ServicesPort, stories: Stories, clock: Clock) -> None:
        self.catalog = services.catalog
        self.repository = services.stories
        self.schedules = services.schedules
        self.stories = stories
        self.clock = clock

    async def open(self, actor: Actor, *, from_start: bool = False) -> CatchupStart:
        """This channel's latest serial that has released something, from where the reader left off."""
        require_guild(actor)
        released = [s for s in await self.schedules.in_channel(actor.channel_id) if s.next_installment > 1]
        if not released:
            raise NothingToCatchUp()
        schedule = released[0]
        record = await self.repository.by_id(schedule.story_id)
        if record is None:
            raise NothingToCatchUp()
        check(record.rating, await self.stories.venue(actor.channel_id))
        stored = 0 if from_start else await self.schedules.catchup_page(actor.user_id, schedule.id)
        page = await self.page(actor, schedule.id, stored)
        previously: tuple[str, ...] = ()
        if stored > 0:
            read = (await self._released(schedule, record))[:stored]
            previously = tuple(recap(read))
        return CatchupStart(page, record.title, previously)

    async def page(self, actor: Actor, schedule_id: int, page: int) -> Page:
        schedule = await self.schedules.get(schedule_id)
        if schedule is None or schedule.guild_id != actor.guild_id:
            raise NothingToCatchUp()
        record = await self.repository.by_id(schedule.story_id)
        if record is None:
            raise NothingToCatchUp()
        check(record.rating, await self.stories.venue(actor.channel_id))
        texts = await self._released(schedule, record)
        if not texts:
            raise NothingToCatchUp()
        page = clamp(page, len(texts))
        await self.schedules.set_catchup_page(actor.user_id, schedule_id, page, self.clock.now())
        return Page(PageKind.CATCHUP, schedule_id, texts[page], page, len(texts))

    async def _released(self, schedule: Schedule, record: StoryRecord) -> list[str]:
        """Every message of the installments the channel has had, in order."""
        installments = await self.catalog.installments(record, schedule.minutes)
        released = installments[: max(0, min(schedule.next_installment - 1, len(installments)))]
        return [message for installment in released for message in installment.messages]

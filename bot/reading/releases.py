"""Serial releases: the engine's job that posts a schedule's next installment when it is due.

An installment is a heading and its messages, each sent through the deliverer,
so each is posted exactly once and only while the channel allows the story. A
problem only a person can fix pauses the schedule and tells the server's admins
once; a passing one is the engine's to retry.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime

from bot.core.delivery import Outgoing, schedule_stream, serial_nonce
from bot.core.installments import Installment
from bot.core.models import StoryRecord
from bot.core.scope import EVERYTHING, GuildScope
from bot.core.serials import Move, Schedule, after_release, missed_while_down, next_check, slot_after_waiting
from bot.core.states import Reason, ScheduleState, ThreadMode
from bot.library.catalog import Catalog
from bot.reading.delivery import Deliverer
from bot.reading.ports import Clock, DeliveryError, Publisher
from bot.store.schedules import ScheduleRepository
from bot.store.stories import StoryRepository

log = logging.getLogger(__name__)

KIND = "schedule"


def installment_messages(schedule: Schedule, record: StoryRecord, installment: Installment) -> list[str]:
    """What one release posts: a heading (the only message that may ping the role), then the text."""
    heading = f"📖 **{record.title}** · installment {installment.number} of {schedule.total}"
    if installment.chapter_title != record.title:
        heading += f" · {installment.chapter_title}"
    if schedule.role_id:
        heading += f" · <@&{schedule.role_id}>"
    return [heading, *installment.messages]


class Releases:
    kind = KIND
    lead = 0.0

    def __init__(
        self,
        *,
        schedules: ScheduleRepository,
        stories: StoryRepository,
        catalog: Catalog,
        deliverer: Deliverer,
        publisher: Publisher,
        clock: Clock,
        scope: GuildScope = EVERYTHING,
    ) -> None:
        self.scope = scope  # the servers this process delivers for
        self.schedules = schedules
        self.stories = stories
        self.catalog = catalog
        self.deliverer = deliverer
        self.publisher = publisher
        self.clock = clock
        self._installments: dict[tuple[int, str, float], list[Installment]] = {}

    async def due(self, before: datetime) -> list[int]:
        return [s.id for s in await self.schedules.due(before, self.scope)]

    async def earliest_due_after(self, after: datetime) -> datetime | None:
        return await self.schedules.earliest_due_after(after, self.scope)

    async def installments(self, schedule: Schedule, record: StoryRecord) -> list[Installment]:
        key = (record.id, record.content_hash, schedule.minutes)
        if key not in self._installments:
            if len(self._installments) > 256:
                self._installments.pop(next(iter(self._installments)))
            self._installments[key] = await self.catalog.installments(record, schedule.minutes)
        return self._installments[key]

    def stream(self, schedule_id: int) -> str:
        return schedule_stream(schedule_id)

    async def step(self, schedule_id: int) -> None:
        schedule = await self.schedules.get(schedule_id)
        if schedule is None or schedule.state is not ScheduleState.ACTIVE or schedule.next_due is None:
            return
        if schedule.next_due > self.clock.now():
            return  # another process released it meanwhile (this one waited for its claim)
        record = await self.stories.by_id(schedule.story_id)
        if record is None:
            if schedule.finished:  # nothing more will come: it ends as it would have
                await self.schedules.move(schedule.id, Move(schedule.next_installment, None, None), self.clock.now())
                return
            await self.pause(schedule, Reason.STORY_REMOVED, "The story was removed from the library.")
            return
        in_progress = record.meta.in_progress
        schedule, available = await self._grown(schedule, record)
        if schedule.next_installment > available:
            await self._wait_or_finish(schedule, in_progress)
            return
        skipped = missed_while_down(schedule, self.clock.now(), in_progress=in_progress)
        if skipped is not None:
            first, last, move = skipped
            span = f"installment {first}" if first == last else f"installments {first} to {last}"
            await self.deliverer.notice(
                schedule.guild_id,
                schedule.target,
                f"⏭️ Storyteller was offline, so **{record.title}** skipped {span}. The next one is on schedule.",
                nonce=f"s{schedule.id}skip{first}"[:25],
            )
            await self.schedules.move(schedule.id, move, self.clock.now())
            return
        try:
            await self._post(schedule, record)
        except DeliveryError as exc:
            if not exc.permanent:
                raise  # the engine retries with backoff
            await self.pause(schedule, Reason.DELIVERY, exc.reason)
            return
        now = self.clock.now()
        await self.schedules.move(schedule.id, after_release(schedule, now, in_progress=in_progress), now)

    async def _grown(self, schedule: Schedule, record: StoryRecord) -> tuple[Schedule, int]:
        """The schedule with the story's installments now counted, and how many there are.

        A story updated in place (a work in progress gaining chapters; possibly from another process
        sharing the database) has a new content hash, so it is cut again; installments never span
        chapters, so the ones already posted are unchanged and new ones only add to ``total``.
        """
        available = len(await self.installments(schedule, record))
        if available <= schedule.total:
            return schedule, available
        now = self.clock.now()
        slot = slot_after_waiting(schedule, now) if schedule.finished else schedule.slot
        await self.schedules.grow(schedule.id, available, slot, now)
        log.info(
            "Schedule %s: %s now has %s installments (was %s)", schedule.id, record.title, available, schedule.total
        )
        return replace(schedule, total=available, slot=slot), available

    async def _wait_or_finish(self, schedule: Schedule, in_progress: bool) -> None:
        """Nothing to post: a work in progress waits for the next slot, silently; a complete story ends."""
        now = self.clock.now()
        if in_progress:
            await self.schedules.move(schedule.id, next_check(schedule, now), now)
        else:
            await self.schedules.move(schedule.id, Move(schedule.next_installment, None, None), now)

    async def _post(self, schedule: Schedule, record: StoryRecord) -> None:
        """Every message of the next installment, each exactly once, resuming after any crash."""
        number = schedule.next_installment
        installment = (await self.installments(schedule, record))[number - 1]
        messages = installment_messages(schedule, record, installment)
        target = schedule.target
        for part, text in enumerate(messages):
            last = part == len(messages) - 1
            message = Outgoing(
                stream=schedule_stream(schedule.id),
                seq=number,
                part=part,
                guild_id=schedule.guild_id,
                channel_id=target,
                text=text,
                story_id=record.id,
                installment=number,
                rating=record.rating,
                nonce=serial_nonce(schedule.id, number, part),
                more=(schedule.id, number) if last and schedule.more_quorum and number < schedule.total else None,
                role=schedule.role_id if part == 0 else None,
            )
            message_id = await self.deliverer.send(message)
            if part == 0 and schedule.thread_mode is ThreadMode.EACH and len(messages) > 1:
                # The heading opens this installment's thread; a thread from a message keeps the
                # message's id, so opening it again after a crash finds the same one.
                name = f"{record.title} · {number}"
                target = await self.publisher.start_thread(schedule.channel_id, message_id, name)

    async def pause(self, schedule: Schedule, code: Reason, reason: str) -> None:
        """Pause on a problem only a person can fix, and tell the server's admins once."""
        now = self.clock.now()
        await self.schedules.pause(schedule.id, code, reason, now)
        log.info("Schedule %s paused: %s", schedule.id, reason)
        if schedule.admins_told:
            return
        text = (
            f"⏸️ The schedule for <#{schedule.channel_id}> (#{schedule.id}) is paused: {reason} "
            f"Fix it, then `/schedule resume {schedule.id}`."
        )
        try:
            await self.publisher.notify(schedule.guild_id, schedule.created_by, text)
        except DeliveryError as exc:
            log.info("Could not tell guild %s about schedule %s: %s", schedule.guild_id, schedule.id, exc.reason)
        await self.schedules.mark_admins_told(schedule.id, now)

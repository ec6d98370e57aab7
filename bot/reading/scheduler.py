"""Serial readings: one dispatcher sleeping until the earliest due post, exactly-once delivery.

Due times live in SQLite. The dispatcher wakes at the earliest one (or when an
earlier one appears), hands due schedules to delivery tasks, and sleeps again;
nothing polls. A delivery records each message's intent before sending it and
its message id after, with a nonce Discord uses to drop retried duplicates, so
a crash at any point leaves each installment posted once or not yet at all.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.gating import refusal
from bot.core.installments import Installment
from bot.core.models import StoryRecord
from bot.core.schedule import occurrences
from bot.reading.live import LiveReadings
from bot.reading.ports import Clock, DeliveryError
from bot.reading.send_queue import SendQueue
from bot.store.schedules import Schedule, ScheduleRepository
from bot.store.stories import StoryRepository

log = logging.getLogger(__name__)

MAX_SLEEP = 15 * 60.0  # re-check at least this often, against clock drift
OVERDUE = timedelta(minutes=10)  # later than this after its slot, a post is a catch-up
LATE_GAP = timedelta(minutes=10)  # catch-up policy "late": one missed installment this often
RETRY_DELAYS = (5.0, 30.0, 120.0, 600.0)
BUG_RETRY = timedelta(minutes=5)


class Scheduler:
    """Releases installments of every active schedule when they are due."""

    def __init__(
        self,
        *,
        schedules: ScheduleRepository,
        stories: StoryRepository,
        live: LiveReadings,
        clock: Clock,
        queue: SendQueue,
        max_sleep: float = MAX_SLEEP,
    ) -> None:
        self.max_sleep = max_sleep
        self.schedules = schedules
        self.stories = stories
        self.live = live  # for the venue check and the publisher, shared with live readings
        self.publisher = live.publisher
        self.catalog = live.catalog
        self.clock = clock
        self.queue = queue
        self._inflight: dict[int, asyncio.Task[None]] = {}
        self._sleeper: asyncio.Future[None] | None = None
        self._sleep_until: datetime | None = None
        self._rearm = False
        self._task: asyncio.Task[None] | None = None
        self._installments: dict[tuple[int, float], list[Installment]] = {}

    # Lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        self.queue.start()
        if self._task is None:
            self._task = asyncio.create_task(self._dispatch(), name="scheduler")

    async def close(self) -> None:
        tasks = [t for t in (self._task, *self._inflight.values()) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._task = None
        await self.queue.close()

    def wake(self, due: datetime | None = None) -> None:
        """Re-arm the dispatcher when a schedule is due earlier than it planned to wake."""
        if due is not None and self._sleep_until is not None and due >= self._sleep_until:
            return
        self._rearm = True  # if the dispatcher is looking right now, it looks again before sleeping
        if self._sleeper is not None and not self._sleeper.done():
            self._sleeper.cancel()

    async def idle(self) -> None:
        """Until no delivery is under way (tests and the console wait on this)."""
        while self._inflight:
            await asyncio.gather(*list(self._inflight.values()), return_exceptions=True)

    # The dispatcher --------------------------------------------------------------

    async def _dispatch(self) -> None:
        while True:
            self._rearm, self._sleep_until = False, None
            now = self.clock.now()
            for schedule in await self.schedules.due(now):
                if schedule.id not in self._inflight:
                    task = asyncio.create_task(self._deliver(schedule), name=f"schedule-{schedule.id}")
                    self._inflight[schedule.id] = task
                    task.add_done_callback(lambda t, sid=schedule.id: self._done(sid, t))
            upcoming = await self.schedules.earliest_due_after(now)
            latest = now + timedelta(seconds=self.max_sleep)
            wake_at = min(upcoming, latest) if upcoming else latest
            if self._rearm:
                continue  # a schedule changed while we looked: look again before sleeping
            self._sleep_until = wake_at
            self._sleeper = asyncio.ensure_future(self.clock.sleep((wake_at - now).total_seconds()))
            try:
                await asyncio.wait({self._sleeper})
            finally:  # cancelled while asleep: the sleep must not outlive the dispatcher
                self._sleeper.cancel()
                self._sleeper = None

    def _done(self, schedule_id: int, task: asyncio.Task[None]) -> None:
        if self._inflight.get(schedule_id) is task:
            del self._inflight[schedule_id]
        if not task.cancelled() and task.exception() is not None:
            log.error("Schedule %s failed unexpectedly", schedule_id, exc_info=task.exception())
        self.wake()  # a finished delivery may leave its schedule due again (catching up)

    # One release -----------------------------------------------------------------

    async def _deliver(self, schedule: Schedule) -> None:
        try:
            await self._deliver_once(schedule)
        except Exception:
            # A bug, not a delivery problem: log it, and try again later rather than at once, forever.
            log.exception("Schedule %s failed unexpectedly; retrying in %s", schedule.id, BUG_RETRY)
            now = self.clock.now()
            await self.schedules.update(
                schedule.id,
                now,
                next_due=now + BUG_RETRY,
                reason_code="retrying",
                reason="An internal error stopped this release; it is logged and retried shortly.",
            )

    async def _deliver_once(self, schedule: Schedule) -> None:
        record = await self.stories.by_id(schedule.story_id)
        if record is None:
            await self._pause(schedule, "story_removed", "The story was removed from the library.")
            return
        now = self.clock.now()
        if await self._fully_posted(schedule, record):  # the process stopped between posting and moving on
            await self._advance(schedule)
            return
        if schedule.catch_up == "skip" and schedule.slot and now - schedule.slot > OVERDUE:
            await self._skip_missed(schedule, record, now)
            return
        attempt = 0
        while True:
            try:
                await self._post(schedule, record)
                break
            except DeliveryError as exc:
                if exc.permanent:
                    await self._pause(schedule, "delivery", exc.reason)
                    return
                delay = RETRY_DELAYS[min(attempt, len(RETRY_DELAYS) - 1)]
                await self.schedules.update(schedule.id, self.clock.now(), reason_code="retrying", reason=exc.reason)
                log.warning("Schedule %s: %s; retrying in %.0f s", schedule.id, exc.reason, delay)
                await self.clock.sleep(delay)
                attempt += 1
        await self._advance(schedule)

    async def _post(self, schedule: Schedule, record: StoryRecord) -> None:
        """Post the next installment, each message exactly once, resuming after any crash."""
        reason = refusal(record.rating, await self.live.venue(schedule.target))
        if reason is not None:
            raise DeliveryError(reason, permanent=True)
        number = schedule.next_installment
        parts = self.parts(schedule, record, await self._installment(schedule, record, number))
        done = await self.schedules.deliveries(schedule.id, number)
        target = schedule.target
        for part, text in enumerate(parts):
            if part == 1 and schedule.thread_mode == "each":
                # The heading opens this installment's thread; a thread from a message keeps
                # the message's id, so opening it again after a crash finds the same one.
                heading = await self.schedules.deliveries(schedule.id, number)
                name = f"{record.title} · {number}"
                target = await self.publisher.start_thread(schedule.channel_id, heading[0].message_id or 0, name)
            delivery = done.get(part)
            if delivery is not None and delivery.message_id is not None:
                continue  # posted before a restart
            nonce = f"s{schedule.id}i{number}p{part}"[:25]
            if delivery is not None:
                # The process stopped between recording the intent and the message id. Discord
                # drops a retry with the same nonce for a few minutes; after longer, look first.
                found = await self.publisher.find_recent(target, text, delivery.intended_at)
                if found is not None:
                    await self._sent(schedule, number, part, target, found)
                    continue
            else:
                await self.schedules.record_intent(schedule.id, number, part, target, nonce, self.clock.now())
            await self.queue.slot(schedule.guild_id, target)
            last = part == len(parts) - 1
            more = (schedule.id, number) if last and schedule.more_quorum and number < schedule.total else None
            role = schedule.role_id if part == 0 else None  # only the heading may ping the schedule's role
            message_id = await self.publisher.send(target, text, nonce=nonce, more=more, role=role)
            await self._sent(schedule, number, part, target, message_id)

    async def _sent(self, schedule: Schedule, number: int, part: int, target: int, message_id: int) -> None:
        now = self.clock.now()
        await self.schedules.record_sent(schedule.id, number, part, message_id, now)
        await self.live.responses.record_post(
            message_id,
            guild_id=schedule.guild_id,
            channel_id=target,
            story_id=schedule.story_id,
            installment=number,
            now=now,
        )

    async def _fully_posted(self, schedule: Schedule, record: StoryRecord) -> bool:
        done = await self.schedules.deliveries(schedule.id, schedule.next_installment)
        if not done or any(d.message_id is None for d in done.values()):
            return False
        installment = await self._installment(schedule, record, schedule.next_installment)
        return len(done) == len(self.parts(schedule, record, installment))

    def parts(self, schedule: Schedule, record: StoryRecord, installment: Installment) -> list[str]:
        heading = f"📖 **{record.title}** · installment {installment.number} of {schedule.total}"
        if installment.chapter_title != record.title:
            heading += f" · {installment.chapter_title}"
        if schedule.role_id:
            heading += f" · <@&{schedule.role_id}>"
        return [heading, *installment.messages]

    async def _installment(self, schedule: Schedule, record: StoryRecord, number: int) -> Installment:
        key = (record.id, schedule.minutes)
        if key not in self._installments:
            self._installments[key] = await self.catalog.installments(record, schedule.minutes)
        return self._installments[key][number - 1]

    async def _advance(self, schedule: Schedule) -> None:
        """Move on to the next installment: its slot, and when it posts under the catch-up policy."""
        now = self.clock.now()
        following = schedule.next_installment + 1
        if following > schedule.total:
            await self.schedules.update(
                schedule.id,
                now,
                next_installment=following,
                state="finished",
                next_due=None,
                slot=None,
                reason_code=None,
                reason=None,
            )
            return
        zone = ZoneInfo(schedule.timezone)
        late = schedule.slot is not None and now - schedule.slot > OVERDUE
        if late and schedule.catch_up == "late":
            slot = next(occurrences(schedule.cadence, zone, schedule.slot, anchor=schedule.anchor))
            due = max(slot, now + LATE_GAP) if slot <= now else slot
        else:  # on time, or "shift": the schedule moves on from now
            base = now if late else (schedule.slot or now)
            slot = next(occurrences(schedule.cadence, zone, max(base, now), anchor=schedule.anchor))
            due = slot
        await self.schedules.update(
            schedule.id, now, next_installment=following, slot=slot, next_due=due, reason_code=None, reason=None
        )
        self.wake(due)

    async def _skip_missed(self, schedule: Schedule, record: StoryRecord, now: datetime) -> None:
        """Catch-up policy "skip": jump to where the schedule would be, and say what was skipped."""
        assert schedule.slot is not None
        zone = ZoneInfo(schedule.timezone)
        missed, slot = 0, schedule.slot
        times = occurrences(schedule.cadence, zone, schedule.slot, anchor=schedule.anchor)
        while slot <= now:
            missed += 1
            slot = next(times)
        first, last = schedule.next_installment, min(schedule.total, schedule.next_installment + missed - 1)
        span = f"installment {first}" if first == last else f"installments {first} to {last}"
        notice = f"⏭️ Storyteller was offline, so **{record.title}** skipped {span}. The next one is on schedule."
        await self.queue.slot(schedule.guild_id, schedule.channel_id)
        try:
            await self.publisher.send(schedule.channel_id, notice, nonce=f"s{schedule.id}skip{first}"[:25])
        except DeliveryError as exc:
            log.info("Schedule %s: could not post the skip notice: %s", schedule.id, exc.reason)
        following = last + 1
        if following > schedule.total:
            await self.schedules.update(
                schedule.id, now, next_installment=following, state="finished", next_due=None, slot=None
            )
            return
        await self.schedules.update(schedule.id, now, next_installment=following, slot=slot, next_due=slot)
        self.wake(slot)

    async def _pause(self, schedule: Schedule, code: str, reason: str) -> None:
        """Pause on a problem only a person can fix, and tell the guild's admins once."""
        now = self.clock.now()
        await self.schedules.update(schedule.id, now, state="paused", reason_code=code, reason=reason)
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
        await self.schedules.update(schedule.id, now, admins_told=1)

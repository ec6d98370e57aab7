"""Live readings: a story read into a channel message by message, at a reader's pace.

Each channel has at most one. Its next message has a due time in the database,
so the engine's one dispatcher runs it like any serial release and a restart
resumes at the next message. The typing indicator shows for a few seconds before
each message; Pause, Stop and a change of speed cut that wait short.
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.delivery import Outgoing, live_nonce, live_stream
from bot.core.errors import NoReading, ReadingAlreadyRunning
from bot.core.models import StoryRecord
from bot.core.pacing import FIRST_POST_DELAY, Post, delay_before, faster, reading_script, slower
from bot.core.readings import LiveReading
from bot.core.scope import EVERYTHING, GuildScope
from bot.core.states import Control, ReadingState
from bot.library.catalog import Catalog
from bot.reading.alarm import Alarm
from bot.reading.delivery import Deliverer
from bot.reading.engine import DeliveryEngine
from bot.reading.ports import Clock, DeliveryError, Publisher
from bot.store.readings import LiveReadingRepository
from bot.store.stories import StoryRepository

log = logging.getLogger(__name__)

TYPING_LEAD = 8.0  # seconds of typing indicator before each post (Discord shows it for ~10 s)
KIND = "live"


@dataclass(frozen=True, slots=True)
class ReadingStatus:
    """A live reading as people see it: what, how far, how fast, and why it waits."""

    channel_id: int
    title: str
    slug: str
    position: int
    total: int
    state: ReadingState
    speed: float
    reason: str | None
    minutes_left: float
    waiting: str | None = None  # why it is not posting right now, e.g. "the database is busy, retrying in 20 s"


class LiveReadings:
    """Starts, steers and delivers live readings; the engine runs one step per message."""

    kind = KIND
    lead = TYPING_LEAD

    def __init__(
        self,
        *,
        readings: LiveReadingRepository,
        stories: StoryRepository,
        catalog: Catalog,
        deliverer: Deliverer,
        publisher: Publisher,
        engine: DeliveryEngine,
        clock: Clock,
        scope: GuildScope = EVERYTHING,
    ) -> None:
        self.scope = scope  # the servers this process delivers for
        self.readings = readings
        self.stories = stories
        self.catalog = catalog
        self.deliverer = deliverer
        self.publisher = publisher
        self.engine = engine
        self.clock = clock
        self._scripts: dict[tuple[int, str, float], list[Post]] = {}
        self._alarms: dict[int, Alarm] = {}

    # Use cases -----------------------------------------------------------------

    async def start(
        self,
        *,
        channel_id: int,
        guild_id: int | None,
        record: StoryRecord,
        user_id: int,
        card_message_id: int | None = None,
    ) -> ReadingStatus:
        await self.ensure_free(channel_id)
        minutes = self.catalog.installment_minutes
        script = await self._script(record, minutes)
        now = self.clock.now()
        reading = LiveReading(
            channel_id=channel_id,
            guild_id=guild_id,
            story_id=record.id,
            started_by=user_id,
            position=0,
            total=len(script),
            speed=1.0,
            state=ReadingState.RUNNING,
            reason=None,
            minutes=minutes,
            card_message_id=card_message_id,
            next_due=now + timedelta(seconds=FIRST_POST_DELAY),
        )
        if not await self.readings.create(reading, now):
            raise ReadingAlreadyRunning(record.title)
        self.engine.wake(reading.next_due)
        return await self.status(channel_id)

    async def end_for_story(self, guild_id: int, story_id: int, notice: str) -> int:
        """End the server's live readings of a story that is gone, telling each channel why."""
        ended = await self.readings.for_story(guild_id, story_id)
        for row in ended:
            await self.control(row.channel_id, Control.STOP)
            self.engine.post_later(self.deliverer.notice(guild_id, row.channel_id, notice), f"notice-{row.channel_id}")
        return len(ended)

    async def get(self, channel_id: int) -> LiveReading | None:
        """The live reading in a channel, if there is one."""
        return await self.readings.get(channel_id)

    async def ensure_free(self, channel_id: int) -> None:
        """Raise :class:`ReadingAlreadyRunning` if the channel has a live reading."""
        existing = await self.readings.get(channel_id)
        if existing is not None:
            other = await self.stories.by_id(existing.story_id)
            raise ReadingAlreadyRunning(other.title if other else "another story")

    async def control(self, channel_id: int, action: Control) -> ReadingStatus | None:
        """Pause, resume, stop or change the speed; returns the new status (``None`` once stopped)."""
        row = await self.readings.get(channel_id)
        if row is None:
            raise NoReading()
        now = self.clock.now()
        if action is Control.STOP:
            self.engine.cancel(KIND, channel_id)
            await self.readings.delete(channel_id)
            self._interrupt(channel_id)
            self._alarms.pop(channel_id, None)
            return None
        if action is Control.PAUSE:
            await self.readings.pause(channel_id, None, now)
        elif action is Control.RESUME:
            if row.state is not ReadingState.RUNNING:
                await self.readings.resume(channel_id, now + timedelta(seconds=FIRST_POST_DELAY), now)
        else:
            speed = faster(row.speed) if action is Control.FASTER else slower(row.speed)
            due = None
            if row.next_due is not None and row.next_due > now:  # the wait under way, at the new pace
                due = now + (row.next_due - now) * (row.speed / speed)
            await self.readings.set_speed(channel_id, speed, due, now)
        self._interrupt(channel_id)
        self.engine.wake()
        return await self.status(channel_id)

    async def status(self, channel_id: int) -> ReadingStatus:
        row = await self.readings.get(channel_id)
        if row is None:
            raise NoReading()
        record = await self.stories.by_id(row.story_id)
        script = await self._script(record, row.minutes) if record else []
        words_left = sum(p.words for p in script[row.position :])
        waiting = self.engine.waiting(KIND, channel_id)
        if waiting is None and row.state is ReadingState.RUNNING and not self.engine.running:
            waiting = "Storyteller is not delivering right now; it resumes at the next start"
        return ReadingStatus(
            channel_id=channel_id,
            title=record.title if record else "(removed story)",
            slug=record.slug if record else "",
            position=row.position,
            total=row.total,
            state=row.state,
            speed=row.speed,
            reason=row.reason,
            minutes_left=words_left / self.catalog.words_per_minute / row.speed,
            waiting=waiting,
        )

    async def any_running(self) -> bool:
        return await self.readings.running(self.scope) > 0

    # The engine's job ----------------------------------------------------------

    async def due(self, before: datetime) -> list[int]:
        return await self.readings.due(before, self.scope)

    async def earliest_due_after(self, after: datetime) -> datetime | None:
        return await self.readings.earliest_due_after(after, self.scope)

    def stream(self, channel_id: int) -> str:
        return live_stream(channel_id)

    async def step(self, channel_id: int) -> None:
        """Post the reading's next message when it is due, or pause, or finish."""
        row = await self.readings.get(channel_id)
        if row is None or row.state is not ReadingState.RUNNING or row.next_due is None:
            return
        record = await self.stories.by_id(row.story_id)
        if record is None:  # removed from the library mid-reading
            await self.readings.delete(channel_id)
            return
        script = await self._script(record, row.minutes)
        if row.position >= len(script):
            await self._finish(row, record)
            return
        wait = (row.next_due - self.clock.now()).total_seconds()
        if wait > 0:
            with contextlib.suppress(DeliveryError):  # a courtesy; the post reports real problems
                await self.publisher.typing(channel_id)
            if not await self._alarm(channel_id).sleep(wait):
                return  # paused, stopped or re-paced meanwhile: the dispatcher plans again
        post = script[row.position]
        message = Outgoing(
            stream=live_stream(channel_id),
            seq=row.position,
            part=0,
            guild_id=row.guild_id,
            channel_id=channel_id,
            text=post.text,
            story_id=record.id,
            installment=post.installment,
            rating=record.rating,
            nonce=live_nonce(channel_id, row.position),
        )
        try:
            await self.deliverer.send(message)
        except DeliveryError as exc:
            if not exc.permanent:
                raise  # the engine retries with backoff
            await self._pause_for(row, exc.reason)
            return
        now = self.clock.now()
        pause = delay_before(post, words_per_minute=self.catalog.words_per_minute, speed=row.speed)
        await self.readings.advance(channel_id, row.position + 1, now + timedelta(seconds=pause), now)

    # Helpers -------------------------------------------------------------------

    def _alarm(self, channel_id: int) -> Alarm:
        return self._alarms.setdefault(channel_id, Alarm(self.clock))

    def _interrupt(self, channel_id: int) -> None:
        """Cut a waiting step short so it re-reads its reading now."""
        alarm = self._alarms.get(channel_id)
        if alarm is not None:
            alarm.ring()

    async def _script(self, record: StoryRecord, minutes: float) -> list[Post]:
        key = (record.id, record.content_hash, minutes)
        script = self._scripts.get(key)
        if script is None:
            if len(self._scripts) > 64:  # readings of many stories at once: keep the recent ones
                self._scripts.pop(next(iter(self._scripts)))
            script = self._scripts[key] = reading_script(await self.catalog.installments(record, minutes))
        return script

    async def _pause_for(self, row: LiveReading, reason: str) -> None:
        await self.readings.pause(row.channel_id, reason, self.clock.now())
        log.info("Live reading in channel %s paused: %s", row.channel_id, reason)
        await self.deliverer.notice(row.guild_id, row.channel_id, f"⏸️ The reading is paused. {reason}")

    async def _finish(self, row: LiveReading, record: StoryRecord) -> None:
        await self.readings.delete(row.channel_id)
        self._alarms.pop(row.channel_id, None)
        ending = f"— *The end of **{record.title}** by {record.meta.author or 'an unknown author'}.*"
        if record.meta.feedback:
            ending += f"\n-# Feedback: {record.meta.feedback}"
        await self.deliverer.notice(row.guild_id, row.channel_id, ending)

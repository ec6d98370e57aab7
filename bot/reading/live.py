"""Live readings: a story read into a channel message by message, at a reader's pace.

Each channel has at most one. Its position is saved after every post, so a
restart resumes at the next message; the rating gate runs before every post,
because admins can change a channel while a reading is under way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime

from bot.core.errors import NoReading, ReadingAlreadyRunning
from bot.core.gating import Venue, refusal
from bot.core.models import StoryRecord
from bot.core.pacing import Post, delay_before, faster, reading_script, slower
from bot.core.states import Control
from bot.library.catalog import Catalog
from bot.reading.ports import Clock, DeliveryError, Publisher
from bot.reading.send_queue import SendQueue
from bot.reading.venues import Venues
from bot.store.readings import LiveReadingRepository, LiveReadingRow
from bot.store.responses import ResponseRepository
from bot.store.stories import StoryRepository

log = logging.getLogger(__name__)

TYPING_LEAD = 8.0  # seconds of typing indicator before each post (Discord shows it for ~10 s)
RETRY_DELAYS = (2.0, 5.0, 15.0, 60.0)


@dataclass(frozen=True, slots=True)
class ReadingStatus:
    """A live reading as people see it: what, how far, how fast, and why it waits."""

    channel_id: int
    title: str
    slug: str
    position: int
    total: int
    state: str
    speed: float
    reason: str | None
    minutes_left: float
    waiting: str | None = None  # why it is not posting right now, e.g. "the database is busy, retrying in 20 s"


class LiveReadings:
    """Starts, steers and resumes live readings; one asyncio task per running reading."""

    def __init__(
        self,
        *,
        readings: LiveReadingRepository,
        stories: StoryRepository,
        catalog: Catalog,
        venues: Venues,
        publisher: Publisher,
        clock: Clock,
        queue: SendQueue,
        responses: ResponseRepository,
    ) -> None:
        self.queue = queue  # the bot's one send queue, shared with serial readings
        self.responses = responses  # which messages are installments, for reactions
        self.readings = readings
        self.stories = stories
        self.catalog = catalog
        self.venues = venues
        self.publisher = publisher
        self.clock = clock
        self._tasks: dict[int, asyncio.Task[None]] = {}
        self._sleepers: dict[int, asyncio.Future[None]] = {}
        self._scripts: dict[int, list[Post]] = {}

    async def venue(self, channel_id: int) -> Venue:
        return await self.venues.venue(channel_id)

    async def get(self, channel_id: int) -> LiveReadingRow | None:
        """The live reading in a channel, if there is one."""
        return await self.readings.get(channel_id)

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
        script = reading_script(await self.catalog.installments(record))
        row = LiveReadingRow(
            channel_id=channel_id,
            guild_id=guild_id,
            story_id=record.id,
            started_by=user_id,
            position=0,
            total=len(script),
            speed=1.0,
            state="running",
            reason=None,
            minutes=self.catalog.installment_minutes,
            card_message_id=card_message_id,
        )
        if not await self.readings.create(row, self.clock.now()):
            raise ReadingAlreadyRunning(record.title)
        self._scripts[channel_id] = script
        self._spawn(channel_id)
        return await self.status(channel_id)

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
            await self.readings.delete(channel_id)
            self._poke(channel_id)
            return None
        if action is Control.PAUSE:
            await self.readings.update(channel_id, now, state="paused", reason=None)
        elif action is Control.RESUME:
            await self.readings.update(channel_id, now, state="running", reason=None)
            if channel_id not in self._tasks:
                self._spawn(channel_id)
        elif action is Control.FASTER:
            await self.readings.update(channel_id, now, speed=faster(row.speed))
        elif action is Control.SLOWER:
            await self.readings.update(channel_id, now, speed=slower(row.speed))
        self._poke(channel_id)
        return await self.status(channel_id)

    async def status(self, channel_id: int) -> ReadingStatus:
        row = await self.readings.get(channel_id)
        if row is None:
            raise NoReading()
        record = await self.stories.by_id(row.story_id)
        script = await self._script(row)
        words_left = sum(p.words for p in script[row.position :])
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
        )

    async def resume_all(self) -> int:
        """Restart the tasks of readings that were running when the bot stopped."""
        count = 0
        for row in await self.readings.unfinished():
            if row.state == "running" and row.channel_id not in self._tasks:
                self._spawn(row.channel_id)
                count += 1
        return count

    async def wait_all(self) -> None:
        """Until no reading task is left (the console waits for this before exiting)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks.values()), return_exceptions=True)

    async def close(self) -> None:
        """Stop every task at a message boundary; the database keeps where each one was."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await self.queue.close()

    # The task -----------------------------------------------------------------

    def _spawn(self, channel_id: int) -> None:
        self.queue.start()
        task = asyncio.create_task(self._run(channel_id), name=f"live-reading-{channel_id}")
        self._tasks[channel_id] = task
        task.add_done_callback(lambda t: self._done(channel_id, t))

    def _done(self, channel_id: int, task: asyncio.Task[None]) -> None:
        if self._tasks.get(channel_id) is task:
            del self._tasks[channel_id]
        if not task.cancelled() and task.exception() is not None:
            log.error("Live reading in channel %s crashed", channel_id, exc_info=task.exception())

    def _poke(self, channel_id: int) -> None:
        """Cut a waiting reading short so it re-reads its state now."""
        sleeper = self._sleepers.get(channel_id)
        if sleeper is not None:
            sleeper.cancel()

    async def _script(self, row: LiveReadingRow) -> list[Post]:
        script = self._scripts.get(row.channel_id)
        if script is None:
            record = await self.stories.by_id(row.story_id)
            if record is None:
                return []
            script = reading_script(await self.catalog.installments(record, row.minutes))
            self._scripts[row.channel_id] = script
        return script

    async def _wait(self, channel_id: int, seconds: float) -> bool:
        """Sleep ``seconds`` unless a control action cuts it short; ``True`` when it ran out.

        The sleep is its own task so that pausing or stopping cancels the wait and
        never the reading task itself, which may be in the middle of a post.
        """
        sleeper = asyncio.ensure_future(self.clock.sleep(seconds))
        self._sleepers[channel_id] = sleeper
        try:
            await asyncio.wait({sleeper})
        finally:
            sleeper.cancel()  # when the reading task itself is cancelled, its sleep goes with it
            self._sleepers.pop(channel_id, None)
        return not sleeper.cancelled()

    async def _run(self, channel_id: int) -> None:
        attempt = 0
        while True:
            row = await self.readings.get(channel_id)
            if row is None:  # stopped
                self._scripts.pop(channel_id, None)
                return
            if row.state != "running":
                return  # paused: resuming spawns a new task
            script = await self._script(row)
            if row.position >= len(script):
                await self._finish(row)
                return
            if row.sending_at is not None:  # the process stopped mid-send: was it posted?
                since = datetime.fromisoformat(row.sending_at)
                found = await self._found(channel_id, script[row.position].text, since)
                if found is not None:
                    await self._posted(row, script[row.position], found)
                    continue
            previous = script[row.position - 1] if row.position else None
            delay = delay_before(previous, words_per_minute=self.catalog.words_per_minute, speed=row.speed)
            if row.sending_at is not None:
                delay = 0.0  # not posted after all: send it again at once, with the same nonce
            if delay > TYPING_LEAD and not await self._wait(channel_id, delay - TYPING_LEAD):
                continue
            if delay > 0:
                with contextlib.suppress(DeliveryError):  # a courtesy; the post reports real problems
                    await self.publisher.typing(channel_id)
            if delay > 0 and not await self._wait(channel_id, min(delay, TYPING_LEAD)):
                continue
            if await self.readings.get(channel_id) != row:
                continue  # paused, stopped or re-paced while waiting: plan again
            record = await self.stories.by_id(row.story_id)
            if record is None:  # removed from the library mid-reading
                await self.readings.delete(channel_id)
                return
            try:
                reason = refusal(record.rating, await self.venue(channel_id))
                if reason is not None:
                    raise DeliveryError(reason, permanent=True)
                await self.queue.slot(row.guild_id or 0, channel_id)
                post = script[row.position]
                if row.sending_at is None:
                    await self.readings.update(channel_id, self.clock.now(), sending_at=self.clock.now().isoformat())
                nonce = f"l{channel_id % 10**12}p{row.position}"
                message_id = await self.publisher.send(channel_id, post.text, nonce=nonce)
            except DeliveryError as exc:
                if exc.permanent or attempt >= len(RETRY_DELAYS):
                    await self._pause_for(row, exc.reason)
                    return
                log.warning("Post to channel %s failed (%s); retrying", channel_id, exc.reason)
                await self._wait(channel_id, RETRY_DELAYS[attempt])
                attempt += 1
                continue
            attempt = 0
            await self._posted(row, post, message_id)

    async def _found(self, channel_id: int, text: str, since: datetime) -> int | None:
        try:
            return await self.publisher.find_recent(channel_id, text, since)
        except DeliveryError:
            return None  # cannot look: the resend's nonce still guards a recent duplicate

    async def _posted(self, row: LiveReadingRow, post: Post, message_id: int) -> None:
        now = self.clock.now()
        await self.readings.update(row.channel_id, now, position=row.position + 1, sending_at=None)
        await self.responses.record_post(
            message_id,
            guild_id=row.guild_id,
            channel_id=row.channel_id,
            story_id=row.story_id,
            installment=post.installment,
            now=now,
        )

    async def _pause_for(self, row: LiveReadingRow, reason: str) -> None:
        await self.readings.update(row.channel_id, self.clock.now(), state="paused", reason=reason)
        try:
            await self.publisher.send(row.channel_id, f"⏸️ The reading is paused. {reason}")
        except DeliveryError:
            log.info("Reading in channel %s paused and the channel cannot be told: %s", row.channel_id, reason)

    async def _finish(self, row: LiveReadingRow) -> None:
        record = await self.stories.by_id(row.story_id)
        await self.readings.delete(row.channel_id)
        self._scripts.pop(row.channel_id, None)
        if record is not None:
            ending = f"— *The end of **{record.title}** by {record.meta.author or 'an unknown author'}.*"
            if record.meta.feedback:
                ending += f"\n-# Feedback: {record.meta.feedback}"
            try:
                await self.publisher.send(row.channel_id, ending)
            except DeliveryError as exc:
                log.info("Could not post the ending in channel %s: %s", row.channel_id, exc.reason)

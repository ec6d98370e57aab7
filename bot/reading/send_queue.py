"""One send queue for the whole bot: no channel flooded, the global budget shared fairly.

Discord allows about 5 messages per 5 s in a channel and 50 requests per second
per bot (docs/discord-limits.md). Every story message asks for a slot here;
slots go round-robin between guilds, so one guild's hundred schedules never
delay another guild's one. Messages in one channel are spaced evenly through
its window rather than sent in a burst: readers see a steady installment, and
the rating gate, checked as each slot is granted, acts between any two messages.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from dataclasses import dataclass

from bot.reading.alarm import Alarm
from bot.reading.ports import Clock

PER_CHANNEL = 5
CHANNEL_WINDOW = 5.0
PER_SECOND = 50
IDLE = 7 * 24 * 3600.0  # nothing to grant: sleep until a request arrives (slot() wakes the worker)


@dataclass
class _Waiter:
    """A request waiting for its turn: it sleeps on its own alarm, which the worker rings to grant it."""

    channel_id: int
    alarm: Alarm
    granted: bool = False


class SendQueue:
    """Grants one request at a time within the channel and global limits, fair between guilds."""

    def __init__(
        self,
        clock: Clock,
        *,
        per_channel: int = PER_CHANNEL,
        channel_window: float = CHANNEL_WINDOW,
        per_second: int = PER_SECOND,
    ) -> None:
        self.clock = clock
        self.per_channel = per_channel
        self.channel_window = channel_window
        self.per_second = per_second
        self._guilds: OrderedDict[int, deque[_Waiter]] = OrderedDict()
        self._recent: deque[float] = deque()  # grant times within the last second
        self._channels: dict[int, deque[float]] = {}
        self._alarm = Alarm(clock)
        self._task: asyncio.Task[None] | None = None
        self.granted = 0

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="send-queue")

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def slot(self, guild_id: int, channel_id: int) -> None:
        """Wait until one request to ``channel_id`` may go out."""
        waiter = _Waiter(channel_id, Alarm(self.clock))
        self._guilds.setdefault(guild_id, deque()).append(waiter)
        self._wake()
        try:
            while not waiter.granted:
                await waiter.alarm.sleep(IDLE)
        except asyncio.CancelledError:
            queue = self._guilds.get(guild_id)
            if queue is not None and waiter in queue:
                queue.remove(waiter)
            raise

    def pending(self) -> int:
        return sum(len(q) for q in self._guilds.values())

    @property
    def active(self) -> int:
        """1 while the worker runs (tests count the engine's tasks)."""
        return int(self._task is not None)

    def _wake(self) -> None:
        self._alarm.ring()

    def _now(self) -> float:
        return self.clock.now().timestamp()

    def _channel_free_at(self, channel_id: int, now: float) -> float:
        times = self._channels.get(channel_id)
        if times is None:
            return now
        while times and times[0] <= now - self.channel_window:
            times.popleft()
        if not times:
            return now
        spaced = times[-1] + self.channel_window / self.per_channel
        full = times[0] + self.channel_window if len(times) >= self.per_channel else now
        return max(now, spaced, full)

    def _global_free_at(self, now: float) -> float:
        while self._recent and self._recent[0] <= now - 1.0:
            self._recent.popleft()
        return now if len(self._recent) < self.per_second else self._recent[0] + 1.0

    def _grant_round(self, now: float) -> float | None:
        """Grant what may go now, guild by guild in turn; the time the next one could, if any waits."""
        next_free: float | None = None
        progress = True
        while progress and self._guilds:
            progress = False
            for guild_id in list(self._guilds):
                queue = self._guilds[guild_id]
                if not queue:
                    del self._guilds[guild_id]
                    continue
                global_at = self._global_free_at(now)
                if global_at > now:
                    return global_at
                # The first waiter of this guild whose channel has room; same-channel order is kept.
                blocked: set[int] = set()
                for waiter in queue:
                    if waiter.channel_id in blocked:
                        continue
                    free_at = self._channel_free_at(waiter.channel_id, now)
                    if free_at <= now:
                        queue.remove(waiter)
                        self._recent.append(now)
                        self._channels.setdefault(waiter.channel_id, deque()).append(now)
                        waiter.granted = True
                        waiter.alarm.ring()
                        self.granted += 1
                        progress = True
                        break
                    blocked.add(waiter.channel_id)
                    next_free = free_at if next_free is None else min(next_free, free_at)
                self._guilds.move_to_end(guild_id)  # round-robin: this guild goes to the back
        return next_free

    async def _run(self) -> None:
        while True:
            self._alarm.reset()
            now = self._now()
            next_free = self._grant_round(now)
            delay = IDLE if next_free is None else max(0.0, next_free - now)
            if self.pending() == 0:
                delay = IDLE
            await self._alarm.sleep(delay)

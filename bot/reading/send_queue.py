"""One send queue for the whole bot: no channel flooded, the global budget shared fairly and evenly.

Discord allows about 5 messages per 5 s in a channel and 50 requests per second
per bot, counted over a sliding second (docs/discord-limits.md). Every story
message asks for a slot here; slots go round-robin between guilds, so one guild's
hundred schedules never delay another guild's one. Messages in one channel are
spaced evenly through its window rather than sent in a burst: readers see a
steady installment, and the rating gate, checked as each slot is granted, acts
between any two messages.

The global budget (:class:`Budget`) spaces requests evenly too: one every
1/``RATE`` s, below 50 per second so that the jitter between granting a slot and
the request reaching Discord never puts 50 into one sliding second. The Discord
front end takes every other REST request it makes (typing, threads, notices,
discord.py's own retries) from the same budget, and feeds back what Discord
answered: a 429 holds the channel or the whole budget for its ``retry_after``, and
invalid answers (401, 403, 429) slow the bot down long before Discord's 10,000 in
10 minutes.
"""

from __future__ import annotations

import asyncio
import logging
import math
from collections import OrderedDict, deque
from dataclasses import dataclass

from bot.reading.alarm import Alarm
from bot.reading.ports import Clock, DeliveryError

log = logging.getLogger(__name__)

PER_CHANNEL = 5
CHANNEL_WINDOW = 5.0
CHANNEL_MARGIN = 0.1  # seconds added to a full channel window, for the time a request takes to arrive
PER_SECOND = 50
RATE = 47.0  # requests per second the bot allows itself, evenly spaced: 50 less a margin for jitter
IDLE = 7 * 24 * 3600.0  # nothing to grant: sleep until a request arrives (slot() wakes the worker)
UNSPENT_FOR = 1.0  # a granted slot not used by a request within this long lapses
EPSILON = 1e-6  # clocks count whole microseconds: a time this close counts as now

INVALID_WINDOW = 600.0  # Discord counts invalid requests (401, 403, 429) over 10 minutes ...
INVALID_BAN = 10_000  # ... and blocks the client for a while past this many
INVALID_SLOW = 1_000  # from this many in 10 minutes the bot slows to INVALID_SLOW_RATE ...
INVALID_SLOW_RATE = 5.0
INVALID_STOP = 5_000  # ... and from this many it sends nothing until the count falls below


class Throttled(DeliveryError):
    """Discord answered 429 all the same: the request goes back through the queue after ``retry_after``."""

    def __init__(self, retry_after: float, *, is_global: bool = False) -> None:
        scope = "for the whole bot" if is_global else "in this channel"
        super().__init__(f"Discord is rate limiting Storyteller {scope} (for {retry_after:.1f} s)", permanent=False)
        self.retry_after = retry_after
        self.is_global = is_global


class Budget:
    """The bot's global request budget: one request every 1/``rate`` s, on a steady grid.

    ``take`` reserves the next free time on the grid (a request that finds the budget
    idle goes at once), so requests are never bunched, and waking a little late does not
    slow the rate down. ``hold`` stops everything until a time (a global 429).
    """

    def __init__(self, rate: float = RATE) -> None:
        self.rate = rate
        self.interval = 1.0 / rate
        self._next = -math.inf  # the grid's next free time
        self._held_until = -math.inf
        self._invalid: deque[float] = deque()
        self.invalid_peak = 0
        self.slowed = 0
        self._slow = False

    def free_at(self, now: float) -> float:
        """When the next request may go (``now`` if at once)."""
        return max(now, self._next, self._held_until, self._invalid_hold(now))

    def take(self, now: float) -> float:
        """Reserve the next slot; the time it may go (``now`` if at once)."""
        at = max(self._next, now - self.interval, self._held_until, self._invalid_hold(now))
        self._next = at + self._spacing(now)
        return max(at, now)

    def hold(self, until: float) -> None:
        """Nothing goes before ``until`` (Discord said the bot is over its global limit)."""
        self._held_until = max(self._held_until, until)

    # Invalid requests ---------------------------------------------------------------------------

    def invalid(self, now: float) -> int:
        """Note an invalid answer (401, 403, 429); how many there were in the last 10 minutes."""
        self._invalid.append(now)
        count = self.invalid_count(now)
        self.invalid_peak = max(self.invalid_peak, count)
        if count >= INVALID_SLOW and not self._slow:
            self._slow = True
            self.slowed += 1
            log.warning(
                "%d invalid requests (401, 403, 429) in 10 minutes: slowing to %.0f requests per second "
                "(Discord blocks the bot at %d)",
                count,
                INVALID_SLOW_RATE,
                INVALID_BAN,
            )
        return count

    def invalid_count(self, now: float) -> int:
        while self._invalid and self._invalid[0] <= now - INVALID_WINDOW:
            self._invalid.popleft()
        if self._slow and len(self._invalid) < INVALID_SLOW // 2:
            self._slow = False
            log.info("Invalid requests are down to %d in 10 minutes: full speed again", len(self._invalid))
        return len(self._invalid)

    def _spacing(self, now: float) -> float:
        return 1.0 / INVALID_SLOW_RATE if self.invalid_count(now) >= INVALID_SLOW else self.interval

    def _invalid_hold(self, now: float) -> float:
        count = self.invalid_count(now)
        if count < INVALID_STOP:
            return -math.inf
        # nothing until enough of them are older than 10 minutes to be back under the mark
        return self._invalid[count - INVALID_STOP] + INVALID_WINDOW


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
        rate: float = RATE,
    ) -> None:
        self.clock = clock
        self.per_channel = per_channel
        self.channel_window = channel_window
        self.per_second = per_second
        self.budget = Budget(min(rate, per_second))
        self._guilds: OrderedDict[int, deque[_Waiter]] = OrderedDict()
        self._channels: dict[int, deque[float]] = {}
        self._held: dict[int, float] = {}  # channel -> nothing before this (a 429 there)
        self._unspent: dict[int, deque[float]] = {}  # channel -> grant times not yet used by a request
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

    # What Discord answered --------------------------------------------------------------------

    def spend(self, channel_id: int) -> bool:
        """A message request to ``channel_id`` is leaving: whether a slot granted here pays for it.

        A request without one takes its own turn from the global budget (:meth:`take`).
        """
        grants = self._unspent.get(channel_id)
        now = self._now()
        while grants and grants[0] <= now - UNSPENT_FOR:
            grants.popleft()
        if not grants:
            self._unspent.pop(channel_id, None)
            return False
        grants.popleft()
        return True

    def take(self) -> float:
        """Reserve a turn in the global budget for a request outside the queue; seconds to wait for it."""
        now = self._now()
        return self.budget.take(now) - now

    def throttled(self, retry_after: float, *, channel_id: int | None = None, is_global: bool = False) -> None:
        """Discord answered 429: hold the whole budget, or the channel, for ``retry_after`` seconds."""
        until = self._now() + max(retry_after, 0.0)
        if is_global or channel_id is None:
            self.budget.hold(until)
        else:
            self._held[channel_id] = max(self._held.get(channel_id, until), until)
        self._wake()

    def invalid(self) -> int:
        """Discord answered 401, 403 or 429; how many such answers in the last 10 minutes."""
        return self.budget.invalid(self._now())

    # The worker -------------------------------------------------------------------------------

    def _wake(self) -> None:
        self._alarm.ring()

    def _now(self) -> float:
        return self.clock.now().timestamp()

    def _channel_free_at(self, channel_id: int, now: float) -> float:
        held = self._held.get(channel_id, now)
        if held <= now:
            self._held.pop(channel_id, None)
        times = self._channels.get(channel_id)
        if times is None:
            return max(now, held)
        while times and times[0] <= now - self.channel_window - CHANNEL_MARGIN:
            times.popleft()
        if not times:
            del self._channels[channel_id]
            return max(now, held)
        spaced = times[-1] + self.channel_window / self.per_channel
        full = times[0] + self.channel_window + CHANNEL_MARGIN if len(times) >= self.per_channel else now
        return max(now, spaced, full, held)

    def _grant(self, waiter: _Waiter, now: float) -> None:
        self.budget.take(now)
        self._channels.setdefault(waiter.channel_id, deque()).append(now)
        self._unspent.setdefault(waiter.channel_id, deque()).append(now)
        waiter.granted = True
        waiter.alarm.ring()
        self.granted += 1

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
                global_at = self.budget.free_at(now)
                if global_at > now + EPSILON:
                    return global_at
                # The first waiter of this guild whose channel has room; same-channel order is kept.
                blocked: set[int] = set()
                for waiter in queue:
                    if waiter.channel_id in blocked:
                        continue
                    free_at = self._channel_free_at(waiter.channel_id, now)
                    if free_at <= now + EPSILON:
                        queue.remove(waiter)
                        self._grant(waiter, now)
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

"""A fake Discord for the delivery engine: channels that remember, nonces that deduplicate."""

from __future__ import annotations

import asyncio
import heapq
import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from bot.reading.ports import ChannelInfo, Clock, DeliveryError

EPOCH = datetime(2026, 3, 25, 12, 0, tzinfo=UTC)  # a Wednesday, four days before Paris's clock change
NONCE_WINDOW = timedelta(minutes=5)


class VirtualClock:
    """Time that moves only when the test says so: sleepers wake in order, instantly.

    The driver advances it once the engine is quiescent (every task asleep or
    queued), so database work in aiosqlite's thread never races the clock.
    """

    def __init__(self, start: datetime = EPOCH) -> None:
        self.t = start
        self._sleepers: list[tuple[datetime, int, asyncio.Future[None]]] = []
        self._seq = itertools.count()
        self._asleep = 0  # sleepers not yet woken or cancelled, counted as they come and go

    def now(self) -> datetime:
        return self.t

    async def sleep(self, seconds: float) -> None:
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.t + timedelta(seconds=max(0.0, seconds)), next(self._seq), future))
        self._asleep += 1
        future.add_done_callback(self._woken)
        await future

    def _woken(self, future: asyncio.Future[None]) -> None:
        self._asleep -= 1

    @property
    def clock(self) -> Clock:
        return Clock(now=self.now, sleep=self.sleep)

    def asleep(self) -> int:
        return self._asleep

    def next_wake(self) -> datetime | None:
        while self._sleepers and self._sleepers[0][2].done():
            heapq.heappop(self._sleepers)
        return self._sleepers[0][0] if self._sleepers else None

    def advance_to(self, when: datetime) -> None:
        self.t = max(self.t, when)
        while self._sleepers and self._sleepers[0][0] <= self.t:
            _, _, future = heapq.heappop(self._sleepers)
            if not future.done():
                future.set_result(None)


class Crash(BaseException):
    """The process dies here: nothing after this point runs, nothing uncommitted survives."""


@dataclass
class Posted:
    id: int
    channel_id: int
    text: str
    at: datetime
    nonce: str | None


@dataclass
class FakeDiscord:
    clock: Clock
    guild_of: dict[int, int] = field(default_factory=dict)
    posts: list[Posted] = field(default_factory=list)
    deleted: set[int] = field(default_factory=set)
    forbidden: set[int] = field(default_factory=set)
    age_restricted: set[int] = field(default_factory=set)
    notices: list[tuple[int, str]] = field(default_factory=list)
    threads: dict[int, str] = field(default_factory=dict)
    buttons: list[tuple[int, int]] = field(default_factory=list)  # More! buttons posted
    crash_at: int | None = None  # crash on this send: before it reaches Discord, or after (crash_before)
    crash_before: bool = True
    sends: int = 0
    crashed: bool = False

    def crash_in(self, point: int) -> None:
        """Crash at the ``(point + 1) // 2``-th send from now: odd points before it, even after it."""
        self.crash_at = self.sends + (point + 1) // 2
        self.crash_before = bool(point % 2)

    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def channel(self, channel_id: int) -> list[str]:
        return [p.text for p in self.posts if p.channel_id == channel_id]

    async def channel_info(self, channel_id: int) -> ChannelInfo:
        if channel_id in self.deleted:
            raise DeliveryError("The channel no longer exists.", permanent=True)
        return ChannelInfo(channel_id, self.guild_of.get(channel_id, 1), channel_id in self.age_restricted)

    async def send(
        self,
        channel_id: int,
        text: str,
        *,
        nonce: str | None = None,
        more: tuple[int, int] | None = None,
        role: int | None = None,
    ) -> int:
        self.sends += 1
        if self.crash_at is not None and self.sends == self.crash_at and self.crash_before:
            self.crashed = True
            raise Crash(f"crash before send {self.sends}")
        if channel_id in self.deleted:
            raise DeliveryError("The channel no longer exists.", permanent=True)
        if channel_id in self.forbidden:
            raise DeliveryError("Storyteller is missing a permission: it needs Send Messages.", permanent=True)
        now = self.clock.now()
        for post in reversed(self.posts):
            if nonce is not None and post.nonce == nonce and now - post.at < NONCE_WINDOW:
                return post.id  # Discord's enforce_nonce: the retry returns the first message
        post = Posted(next(self._ids), channel_id, text, now, nonce)
        self.posts.append(post)
        if more is not None:
            self.buttons.append(more)
        if self.crash_at is not None and self.sends == self.crash_at:
            self.crashed = True
            raise Crash(f"crash after send {self.sends}, before its id was recorded")
        await asyncio.sleep(0)
        return post.id

    async def typing(self, channel_id: int) -> None:
        return None

    async def find_recent(self, channel_id: int, text: str, since: datetime) -> int | None:
        return next((p.id for p in self.posts if p.channel_id == channel_id and p.text == text and p.at >= since), None)

    async def start_thread(self, channel_id: int, message_id: int, name: str) -> int:
        thread_id = 1_000_000 + message_id  # stable per message, as on Discord
        self.guild_of[thread_id] = self.guild_of.get(channel_id, 1)
        if channel_id in self.age_restricted:
            self.age_restricted.add(thread_id)
        self.threads.setdefault(thread_id, name)
        return thread_id

    async def notify(self, guild_id: int, user_id: int, text: str) -> None:
        self.notices.append((guild_id, text))

"""What the reading engine needs from the outside world, as protocols and plain data."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Clock:
    """Time for the engine: production uses the wall clock, tests and the console their own."""

    now: Callable[[], datetime]
    sleep: Callable[[float], Awaitable[None]]

    @classmethod
    def system(cls, now: Callable[[], datetime] | None = None) -> Clock:
        return cls(now=now or (lambda: datetime.now(UTC)), sleep=asyncio.sleep)

    @classmethod
    def scaled(cls, speed: float) -> Clock:
        """Time running ``speed`` times faster from now on: the console's ``--speed``.

        Both agree: a schedule due in a day is reached after a day of this clock's
        ``now()``, which is a day divided by ``speed`` of real time.
        """
        start, origin = datetime.now(UTC), time.monotonic()

        def now() -> datetime:
            return start + timedelta(seconds=(time.monotonic() - origin) * speed)

        async def sleep(seconds: float) -> None:
            await asyncio.sleep(seconds / speed)

        return cls(now=now, sleep=sleep)


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    """What the gate needs to know about a channel, read fresh before each post."""

    channel_id: int
    guild_id: int | None
    age_restricted: bool


class DeliveryError(Exception):
    """A post that could not be delivered. Permanent ones pause the reading with the reason."""

    def __init__(self, reason: str, *, permanent: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent


class Publisher(Protocol):
    """Where readings go: Discord in production, the terminal in the console, a fake in tests."""

    async def channel_info(self, channel_id: int) -> ChannelInfo:
        """The channel as it is now; raises a permanent :class:`DeliveryError` if it is gone."""
        ...

    async def send(
        self,
        channel_id: int,
        text: str,
        *,
        nonce: str | None = None,
        more: tuple[int, int] | None = None,
        role: int | None = None,
    ) -> int:
        """Post ``text`` (mentions disabled); returns the message id.

        With a ``nonce``, a retry of the same post within a few minutes returns the
        first message instead of posting again (Discord's ``enforce_nonce``). With
        ``more`` (schedule id, installment), the post carries a More! button. ``role`` is the
        one role the post may ping; nothing else in it pings anyone.
        """
        ...

    async def typing(self, channel_id: int) -> None: ...

    async def find_recent(self, channel_id: int, text: str, since: datetime) -> int | None:
        """The id of a message of ours with exactly ``text`` posted since ``since``, if any."""
        ...

    async def start_thread(self, channel_id: int, message_id: int, name: str) -> int:
        """A public thread from a message (idempotent: an existing thread is returned); its id."""
        ...

    async def notify(self, guild_id: int, user_id: int, text: str) -> None:
        """Tell a guild's admins about a problem (system channel, else the user who set it up)."""
        ...

"""The engine's one way to wait: a sleep on the injected clock that a ring cuts short.

A ring that comes while the sleeper is awake (say, querying the database) is kept,
so the next sleep returns at once: no wake-up is lost between looking and sleeping.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from bot.reading.ports import Clock


class Alarm:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.until: datetime | None = None  # when the current sleep ends, while asleep
        self._rung = False
        self._sleeper: asyncio.Future[None] | None = None

    def ring(self, when: datetime | None = None) -> None:
        """Wake the sleeper now; with ``when``, only if it would otherwise sleep past ``when``."""
        if when is not None and self.until is not None and when >= self.until:
            return
        self._rung = True
        if self._sleeper is not None and not self._sleeper.done():
            self._sleeper.cancel()

    def reset(self) -> None:
        """Forget rings so far: the caller is about to look at everything afresh."""
        self._rung = False

    async def sleep(self, seconds: float) -> bool:
        """Sleep ``seconds`` of clock time; ``False`` when a ring cut it short (or came before it)."""
        if self._rung:
            self._rung = False
            return False
        self.until = self.clock.now() + timedelta(seconds=max(0.0, seconds))
        sleeper = self._sleeper = asyncio.ensure_future(self.clock.sleep(max(0.0, seconds)))
        try:
            await asyncio.wait({sleeper})
        finally:  # cancelled while asleep: the sleep must not outlive its owner
            sleeper.cancel()
            self._sleeper = None
            self.until = None
        rung, self._rung = self._rung, False
        return not rung and not sleeper.cancelled()

    async def sleep_until(self, when: datetime) -> bool:
        return await self.sleep((when - self.clock.now()).total_seconds())

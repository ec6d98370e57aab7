"""This process's claims on the streams it delivers, so two processes never deliver one stream at once.

Shards split the guilds between processes, but two processes may still meet on one
stream: a pair misconfigured with the same shard, or a restart while the old process is
still shutting down. A process keeps the claims of the streams it delivers while it runs and
gives them all back when it stops. The outbox's intent and nonce keep a message from being posted twice
by one process that restarts; a claim keeps two live processes from racing on the same
message. A process that dies holds its claims until they expire (``ttl``).
"""

from __future__ import annotations

import os
import socket
import uuid
from datetime import datetime, timedelta

from bot.reading.ports import Clock, DeliveryError
from bot.store.claims import ClaimRepository

CLAIM_TTL = 60.0  # seconds; longer than a message's send with its retries, so a claim outlives it


def process_owner() -> str:
    """A name for this process, unique across restarts and hosts."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class ClaimLost(DeliveryError):
    def __init__(self, stream: str) -> None:
        super().__init__(f"another Storyteller process took over {stream}", permanent=False)


class Claims:
    def __init__(
        self, repo: ClaimRepository, clock: Clock, *, owner: str | None = None, ttl: float = CLAIM_TTL
    ) -> None:
        self.repo = repo
        self.clock = clock
        self.owner = owner or process_owner()
        self.ttl = ttl
        self._taken: dict[str, datetime] = {}  # when this process last took or renewed each claim it holds

    async def take(self, stream: str) -> datetime | None:
        """Hold ``stream`` for ``ttl`` from now: None when held, else when the other process's claim ends.

        A claim this process took or renewed less than a quarter of ``ttl`` ago has that much left,
        far more than a step's send takes, so it is not written again: a reading posting a message
        a second costs one claim write every ``ttl / 4`` seconds, not one a message.
        """
        now = self.clock.now()
        taken = self._taken.get(stream)
        if taken is not None and (now - taken).total_seconds() < self.ttl / 4:
            return None
        other = await self.repo.take(stream, self.owner, now, now + timedelta(seconds=self.ttl))
        if other is None:
            self._taken[stream] = now
        else:
            self._taken.pop(stream, None)
        return other

    async def renew(self, stream: str) -> None:
        """Before a message goes out: still ours, for at least three quarters of ``ttl``; :class:`ClaimLost` if not."""
        if await self.take(stream) is not None:
            raise ClaimLost(stream)

    async def release_all(self) -> None:
        self._taken.clear()
        await self.repo.release_all(self.owner)

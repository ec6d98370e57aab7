"""The running bot's heartbeat: a file it touches while connected, read by ``python -m bot check --health``.

A container health check or a monitor asks whether the bot is alive and connected without a
Discord request of its own: while the gateway connection is up the bot touches the file every
:data:`INTERVAL` seconds, and the bot counts as healthy while the file is younger than
:data:`STALE_AFTER`. The file lives beside the database, so whatever keeps the data (a volume,
systemd's ``ReadWritePaths``) keeps it too. The console, ``sync`` and ``check`` write none.

This module imports no discord: the health check stays a quick file look-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from pathlib import Path

from bot.settings import Settings

log = logging.getLogger(__name__)

INTERVAL = 30.0  # seconds between beats while connected
STALE_AFTER = 120.0  # a heartbeat older than this: the bot is gone or has not been connected for a while
POLL = 1.0  # while not connected: how soon a new connection gets its first beat


def heartbeat_path(settings: Settings) -> Path:
    """``data/storyteller.db`` beats in ``data/storyteller.heartbeat``; a process running shards 2 and 3
    in ``data/storyteller.shards-2-3.heartbeat``, so processes sharing a host each have their own."""
    suffix = ".heartbeat"
    if settings.shard_count is not None:
        shards = settings.shard_ids or tuple(range(settings.shard_count))
        suffix = f".shards-{'-'.join(map(str, shards))}.heartbeat"
    return settings.database_path.with_suffix(suffix)


def heartbeat_age(path: Path, now: Callable[[], float] = time.time) -> float | None:
    """Seconds since the last beat, or None when there is no heartbeat file."""
    try:
        return max(0.0, now() - path.stat().st_mtime)
    except FileNotFoundError:
        return None


class Heartbeat:
    """Touches ``path`` every ``interval`` seconds while ``connected()``; ``async with`` runs it.

    A file left by an earlier run says nothing about this one: it is removed on entry, and again
    on exit, so a stopped bot is unhealthy at once rather than two minutes later.
    """

    def __init__(
        self, path: Path, connected: Callable[[], bool], *, interval: float = INTERVAL, poll: float = POLL
    ) -> None:
        self.path = path
        self.connected = connected
        self.interval = interval
        self.poll = poll
        self._task: asyncio.Task[None] | None = None
        self._warned = False

    async def __aenter__(self) -> Heartbeat:
        self._remove()
        self._task = asyncio.create_task(self._beat(), name="heartbeat")
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._remove()

    async def _beat(self) -> None:
        while True:
            if self.connected():
                self._touch()
                await asyncio.sleep(self.interval)
            else:
                await asyncio.sleep(self.poll)

    def _touch(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)  # on PostgreSQL, no database file made data/
            self.path.touch()
        except OSError as exc:  # the bot itself is fine; only its health check will say otherwise
            if not self._warned:
                log.warning("Cannot write the heartbeat %s (%s): health checks will fail", self.path, exc.strerror)
                self._warned = True

    def _remove(self) -> None:
        with contextlib.suppress(OSError):
            self.path.unlink(missing_ok=True)

"""The delivery engine: one dispatcher for live and serial readings, and the supervision of each step.

Readings are jobs with due times in the database. The dispatcher asks each kind
of job for what is due, runs each due step in its own task, and sleeps on the
:class:`Alarm` until the earliest next due time, a retry, or a ring. A step that
fails on a passing problem (Discord unavailable, the database busy) or on a bug is
retried with one backoff policy; while it waits, :meth:`waiting` says why, so no
status ever claims a reading runs when nothing does.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from bot.core.errors import DatabaseBusy
from bot.reading.alarm import Alarm
from bot.reading.claims import ClaimLost, Claims
from bot.reading.ports import Clock, DeliveryError
from bot.reading.send_queue import SendQueue

log = logging.getLogger(__name__)

MAX_SLEEP = 15 * 60.0  # look again at least this often, against clock drift
BACKOFF = (2.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0)  # seconds before the 1st, 2nd, ... retry of a step


def backoff(attempt: int) -> float:
    return BACKOFF[min(attempt, len(BACKOFF) - 1)]


class Job(Protocol):
    """A kind of reading the engine runs: live readings, serial releases."""

    kind: str
    lead: float  # seconds before its due time a step starts (a live reading's typing indicator)

    async def due(self, before: datetime) -> list[int]:
        """Keys of the readings due by ``before``."""
        ...

    async def earliest_due_after(self, after: datetime) -> datetime | None: ...

    def stream(self, key: int) -> str:
        """The outbox stream a reading's messages go to: what its claim is on."""
        ...

    async def step(self, key: int) -> None:
        """Deliver what is due and move on; raise to have the engine retry it later."""
        ...


@dataclass(frozen=True, slots=True)
class Waiting:
    reason: str
    until: datetime
    attempt: int


class DeliveryEngine:
    def __init__(
        self, clock: Clock, alarm: Alarm, queue: SendQueue, claims: Claims, *, max_sleep: float = MAX_SLEEP
    ) -> None:
        self.clock = clock
        self.alarm = alarm
        self.queue = queue
        self.claims = claims
        self.max_sleep = max_sleep
        self._jobs: dict[str, Job] = {}
        self._inflight: dict[tuple[str, int], asyncio.Task[None]] = {}
        self._waiting: dict[tuple[str, int], Waiting] = {}
        self._task: asyncio.Task[None] | None = None
        self._notices: set[asyncio.Task[None]] = set()

    def register(self, job: Job) -> None:
        self._jobs[job.kind] = job

    # Lifecycle -------------------------------------------------------------------

    def start(self) -> None:
        self.queue.start()
        if self._task is None:
            self._task = asyncio.create_task(self._dispatch(), name="delivery-engine")

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def close(self) -> None:
        """Stop every step where it is; the outbox and due times carry on at the next start."""
        tasks = [t for t in (self._task, *self._inflight.values(), *self._notices) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._task = None
        await self.queue.close()
        try:
            await self.claims.release_all()  # another process may take these streams at once
        except Exception:  # the claims expire on their own; a failure here loses nothing
            log.warning("Could not give back this process's claims; they expire in %.0f s", self.claims.ttl)

    async def idle(self) -> None:
        """Until no step is under way (tests and the console wait on this)."""
        while self._inflight or self._notices:
            await asyncio.gather(*self._inflight.values(), *self._notices, return_exceptions=True)

    def tasks(self) -> int:
        """The engine's tasks: the dispatcher, the send queue's worker, and each step under way."""
        return (self._task is not None) + (self.queue.active) + len(self._inflight)

    # Steering --------------------------------------------------------------------

    def wake(self, when: datetime | None = None) -> None:
        """Something became due (at ``when``): look again if that is sooner than planned."""
        self.alarm.ring(when)

    def post_later(self, notice: Coroutine[Any, Any, None], name: str) -> None:
        """Post a notice once the send queue has room, without keeping a command waiting for it.

        A command must answer within Discord's three seconds; a busy queue can take longer.
        """
        task = asyncio.create_task(_logged(notice, name), name=name)
        self._notices.add(task)
        task.add_done_callback(self._notices.discard)

    def cancel(self, kind: str, key: int) -> None:
        """Stop a step under way and forget its retry (the reading or schedule is going away)."""
        task = self._inflight.pop((kind, key), None)
        if task is not None:
            task.cancel()
        self._waiting.pop((kind, key), None)

    def waiting(self, kind: str, key: int) -> str | None:
        """Why a reading is not posting right now, if a passing problem holds it back."""
        wait = self._waiting.get((kind, key))
        if wait is None:
            return None
        seconds = max(0, round((wait.until - self.clock.now()).total_seconds()))
        return f"{wait.reason}, retrying in {seconds} s"

    # The dispatcher --------------------------------------------------------------

    async def _dispatch(self) -> None:
        failures = 0
        while True:
            self.alarm.reset()  # rings from here on are noticed by the sleep below
            now = self.clock.now()
            try:
                wake_at = await self._release_due(now)
                failures = 0
            except DatabaseBusy as exc:
                wake_at = now + timedelta(seconds=backoff(failures))
                log.warning("%s; looking for due readings again in %.0f s", exc.status.capitalize(), backoff(failures))
                failures += 1
            except Exception:
                wake_at = now + timedelta(seconds=backoff(failures))
                log.exception("The dispatcher failed; looking again in %.0f s", backoff(failures))
                failures += 1
            await self.alarm.sleep_until(wake_at)

    async def _release_due(self, now: datetime) -> datetime:
        wake_at = now + timedelta(seconds=self.max_sleep)
        for kind, job in self._jobs.items():
            lead = timedelta(seconds=job.lead)
            for key in await job.due(now + lead):
                wait = self._waiting.get((kind, key))
                if wait is None or wait.until <= now:
                    self._spawn(job, key)
            upcoming = await job.earliest_due_after(now + lead)
            if upcoming is not None:
                wake_at = min(wake_at, upcoming - lead)
        for (kind, key), wait in list(self._waiting.items()):
            if wait.until <= now and kind in self._jobs:
                self._spawn(self._jobs[kind], key)
            else:
                wake_at = min(wake_at, wait.until)
        return wake_at

    def _spawn(self, job: Job, key: int) -> None:
        ident = (job.kind, key)
        if ident in self._inflight:
            return
        task = asyncio.create_task(self._supervise(job, key), name=f"{job.kind}-{key}")
        self._inflight[ident] = task
        task.add_done_callback(lambda t: self._done(ident, t))

    def _done(self, ident: tuple[str, int], task: asyncio.Task[None]) -> None:
        if self._inflight.get(ident) is task:
            del self._inflight[ident]
        self.alarm.ring()  # the step moved its due time: look again

    async def _supervise(self, job: Job, key: int) -> None:
        ident = (job.kind, key)
        stream = job.stream(key)
        try:
            held_until = await self.claims.take(stream)
            if held_until is not None:  # another process delivers it; look again when its claim ends
                self._waiting[ident] = Waiting("another Storyteller process is delivering it", held_until, 0)
                return
            await job.step(key)  # the claim stays this process's until it stops (or dies and it expires)
        except ClaimLost as exc:
            log.info("%s %s: %s", job.kind, key, exc.reason)
            self._waiting[ident] = Waiting(exc.reason, self.clock.now() + timedelta(seconds=self.claims.ttl), 0)
        except DeliveryError as exc:
            if exc.permanent:  # a step handles its own permanent problems; one escaping is a bug
                log.error("%s %s: unhandled delivery problem: %s", job.kind, key, exc.reason)
            self._retry(ident, exc.reason)
        except DatabaseBusy as exc:
            self._retry(ident, exc.status)
        except Exception:
            log.exception("%s %s failed unexpectedly", job.kind, key)
            self._retry(ident, "an internal error stopped it (logged)")
        else:
            self._waiting.pop(ident, None)

    def _retry(self, ident: tuple[str, int], reason: str) -> None:
        previous = self._waiting.get(ident)
        attempt = previous.attempt + 1 if previous else 0
        until = self.clock.now() + timedelta(seconds=backoff(attempt))
        self._waiting[ident] = Waiting(reason, until, attempt)
        log.warning("%s %s: %s; retrying in %.0f s", ident[0], ident[1], reason, backoff(attempt))


async def _logged(notice: Coroutine[Any, Any, None], name: str) -> None:
    try:
        await notice
    except Exception:  # a notice is best effort; nobody awaits it to see the error
        log.exception("%s failed", name)

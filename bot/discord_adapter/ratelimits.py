"""Every REST request the bot makes goes through the send queue's global budget, and every answer is counted.

discord.py sends requests on its own too: typing, threads, notices, and its retries
after a 429 or a 5xx. An aiohttp trace on discord.py's HTTP session sees each
attempt just before it leaves, so all of them are spaced by one budget:

- a story message whose slot the send queue granted is paid for already
  (:meth:`SendQueue.spend`); any other request, a retry included, takes its own turn;
- no two requests leave closer together than a fraction of the budget's interval,
  whatever happened between the grant and the wire;
- interaction responses and follow-ups do not count against Discord's global limit and
  are not held back;
- a 429 is logged and counted, and holds the channel (or, when global, the whole
  budget) for its ``retry_after``; 401, 403 and 429 answers feed the invalid-request
  budget, which slows the bot down long before Discord's 10,000 in 10 minutes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import aiohttp
from yarl import URL

from bot.reading.ports import Clock
from bot.reading.send_queue import SendQueue
from bot.reading.stats import INVALID_STATUSES, RequestStats

log = logging.getLogger(__name__)

WIRE_GAP = 0.8  # no two counted requests leave closer than this share of the budget's interval
SAVE_EVERY = 60.0  # at most one save of the counts a minute while answers go wrong
_CHANNEL = re.compile(r"/channels/(\d+)(/messages)?(?:/|$)")
_EXEMPT = re.compile(r"/(interactions|webhooks)/")


def channel_of(url: URL) -> tuple[int | None, bool]:
    """The channel a REST path is about, if any, and whether it creates a message there."""
    match = _CHANNEL.search(url.path)
    if match is None:
        return None, False
    creates = match.group(2) is not None and url.path.rstrip("/").endswith("/messages")
    return int(match.group(1)), creates


def exempt(url: URL) -> bool:
    """Requests Discord does not count against the global limit: interaction responses, the gateway."""
    return url.scheme in ("ws", "wss") or bool(_EXEMPT.search(url.path))


class RequestLimits:
    """The aiohttp trace that paces and counts discord.py's requests; attach it to the send queue."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.queue: SendQueue | None = None
        self.stats = RequestStats(started_at=clock.now().astimezone(UTC).isoformat(timespec="seconds"))
        self.trace = aiohttp.TraceConfig()
        self.trace.on_request_start.append(self._on_start)
        self.trace.on_request_end.append(self._on_end)
        self._wire_last = -math.inf
        self._save: Callable[[str], Awaitable[None]] | None = None
        self._saved_at = -math.inf
        self._saving: asyncio.Task[None] | None = None

    def attach(self, queue: SendQueue) -> None:
        self.queue = queue

    def _now(self) -> float:
        return self.clock.now().timestamp()

    # Before a request leaves -------------------------------------------------------------------

    async def _on_start(self, session: aiohttp.ClientSession, context: SimpleNamespace, params: Any) -> None:
        if exempt(params.url):
            if not params.url.scheme.startswith("ws"):
                self.stats.exempt += 1
            return
        self.stats.requests += 1
        queue = self.queue
        if queue is None:
            return
        channel_id, creates = channel_of(params.url)
        paid = creates and params.method == "POST" and channel_id is not None and queue.spend(channel_id)
        now = self._now()
        at = now if paid else now + queue.take()
        at = max(at, self._wire_last + WIRE_GAP * queue.budget.interval)
        self._wire_last = at
        if at > now:
            self.stats.waited += at - now
            await self.clock.sleep(at - now)

    # What came back ----------------------------------------------------------------------------

    async def _on_end(self, session: aiohttp.ClientSession, context: SimpleNamespace, params: Any) -> None:
        if exempt(params.url):
            return
        response: aiohttp.ClientResponse = params.response
        status = response.status
        if status >= 500:
            self.stats.server_errors += 1
            log.info("Discord answered %s to %s %s", status, params.method, params.url.path)
        if status == 429:
            await self._rate_limited(params.method, params.url, response)
        scope = response.headers.get("X-RateLimit-Scope", "")
        if status in INVALID_STATUSES and not (status == 429 and scope == "shared") and self.queue is not None:
            self.stats.invalid += 1
            count = self.queue.invalid()
            self.stats.invalid_peak = max(self.stats.invalid_peak, count)
            self.stats.slowed = self.queue.budget.slowed
        if status >= 500 or status in INVALID_STATUSES:
            self._noted()

    async def _rate_limited(self, method: str, url: URL, response: aiohttp.ClientResponse) -> None:
        body: dict[str, Any] = {}
        with contextlib.suppress(Exception):  # discord.py reads the same, cached, body afterwards
            body = json.loads(await response.read())
        headers = response.headers
        is_global = bool(body.get("global")) or headers.get("X-RateLimit-Global", "").lower() == "true"
        try:
            wait = float(body.get("retry_after") or headers.get("Retry-After") or 1.0)
        except (TypeError, ValueError):
            wait = 1.0
        channel_id, _ = channel_of(url)
        scope = "global" if is_global else headers.get("X-RateLimit-Scope", "") or "route"
        if scope == "user":
            scope = "channel" if channel_id is not None else "route"
        when = datetime.now(UTC).isoformat(timespec="seconds")
        self.stats.count_429(scope, f"{when} {method} {url.path} ({scope}, retry after {wait:.2f} s)")
        log.warning(
            "Discord answered 429 (%s) to %s %s: holding %s for %.2f s (%d 429s so far)",
            scope,
            method,
            url.path,
            "every request" if is_global else "the channel" if channel_id else "the route",
            wait,
            self.stats.total_429,
        )
        if self.queue is not None and (is_global or channel_id is not None):
            self.queue.throttled(wait, channel_id=channel_id, is_global=is_global)

    # Reports -----------------------------------------------------------------------------------

    def snapshot(self) -> str:
        self.stats.updated_at = datetime.now(UTC).isoformat(timespec="seconds")
        return self.stats.to_json()

    def save_with(self, save: Callable[[str], Awaitable[None]]) -> None:
        """Where to save the counts (for ``python -m bot stats``): after a notable answer, at most once a minute."""
        self._save = save

    def _noted(self) -> None:
        """A 429, 5xx or invalid answer came: save the counts soon, unless they were saved lately."""
        now = self._now()
        if self._save is None or now - self._saved_at < SAVE_EVERY or self._saving is not None:
            return
        self._saved_at = now
        self._saving = asyncio.get_running_loop().create_task(self.save(), name="request-stats")
        self._saving.add_done_callback(lambda _: setattr(self, "_saving", None))

    async def save(self) -> None:
        if self._save is None:
            return
        try:
            await self._save(self.snapshot())
        except Exception:  # the counts are a report, never a reason to stop
            log.exception("Could not save the request counts")

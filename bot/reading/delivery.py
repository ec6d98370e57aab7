"""The one way a story message reaches a channel: exactly once, and only where its rating allows.

0. The claim on the message's stream is renewed: no other process is delivering it.
1. The outbox says whether the message went out already (its id is recorded), or
   may have (an intent without an id: it is looked for in the channel first).
2. The intent is recorded, with a nonce Discord uses to drop a retried duplicate.
3. The send queue grants a slot within Discord's limits.
4. The gate looks at the channel as it is now, after any wait in the queue: a
   channel that stopped allowing the story gets nothing more.
5. The message is sent, and its id recorded with the post (for reactions). A
   429 that gets through anyway sends it back to step 3 after ``retry_after``,
   with the same nonce, so it is neither lost nor doubled.
"""

from __future__ import annotations

import logging
from datetime import datetime

from bot.core.delivery import Outgoing
from bot.core.gating import refusal
from bot.reading.claims import Claims
from bot.reading.ports import Clock, DeliveryError, Publisher
from bot.reading.send_queue import SendQueue, Throttled
from bot.reading.venues import Venues
from bot.store.outbox import OutboxRepository

log = logging.getLogger(__name__)

REQUEUES = 3  # a message Discord rate-limits goes back through the queue this often before the engine retries


class Deliverer:
    def __init__(
        self,
        *,
        outbox: OutboxRepository,
        publisher: Publisher,
        queue: SendQueue,
        venues: Venues,
        clock: Clock,
        claims: Claims,
    ) -> None:
        self.claims = claims
        self.outbox = outbox
        self.publisher = publisher
        self.queue = queue
        self.venues = venues
        self.clock = clock

    async def send(self, message: Outgoing) -> int:
        """Deliver ``message`` once; its message id. A permanent :class:`DeliveryError` when refused."""
        await self.claims.renew(message.stream)
        known = await self.outbox.get(message.stream, message.seq, message.part)
        if known is not None and known.message_id is not None:
            return known.message_id  # sent before a restart
        if known is not None:
            # The process stopped between the intent and the id. Discord drops a retry with the
            # same nonce for a few minutes; after longer, only a look at the channel can tell.
            found = await self._find(message, known.intended_at)
            if found is not None:
                await self.outbox.record_sent(message, found, self.clock.now())
                return found
        else:
            await self.outbox.record_intent(message, self.clock.now())
        for attempt in range(REQUEUES + 1):
            await self.queue.slot(message.guild_id or 0, message.channel_id)
            if attempt:
                await self.claims.renew(message.stream)  # the queue held it back; still ours?
            await self.gate(message)
            try:
                message_id = await self.publisher.send(
                    message.channel_id, message.text, nonce=message.nonce, more=message.more, role=message.role
                )
            except Throttled as exc:
                if attempt == REQUEUES:
                    raise  # a passing problem: the engine retries the step later
                log.warning("%s; %s part %s goes back through the queue", exc.reason, message.stream, message.part)
                self.queue.throttled(exc.retry_after, channel_id=message.channel_id, is_global=exc.is_global)
                continue
            await self.outbox.record_sent(message, message_id, self.clock.now())
            return message_id
        raise AssertionError("unreachable")

    async def gate(self, message: Outgoing) -> None:
        """Refuse, permanently, a message its channel does not allow right now."""
        reason = refusal(message.rating, await self.venues.venue(message.channel_id))
        if reason is not None:
            raise DeliveryError(reason, permanent=True)

    async def notice(self, guild_id: int | None, channel_id: int, text: str, *, nonce: str | None = None) -> None:
        """A short note from Storyteller (paused, ended, skipped), within the limits; best effort."""
        try:
            await self.queue.slot(guild_id or 0, channel_id)
            await self.publisher.send(channel_id, text, nonce=nonce)
        except DeliveryError as exc:
            log.info("Could not post a notice in channel %s: %s", channel_id, exc.reason)

    async def _find(self, message: Outgoing, since: datetime) -> int | None:
        try:
            return await self.publisher.find_recent(message.channel_id, message.text, since)
        except DeliveryError:
            return None  # cannot look: the resend's nonce still guards a recent duplicate

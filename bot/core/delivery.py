"""One message a reading sends, and the record that makes sending it exactly-once.

Every message of a live or serial reading has a key: its stream (``live:CHANNEL``
or ``schedule:ID``), its place in that stream and its part. The intent is recorded
under that key before the message is sent, with a nonce Discord uses to drop a
retried duplicate, and the message id after; a message whose id was not recorded is
looked for in the channel before it is sent again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.ratings import ContentRating


def live_stream(channel_id: int) -> str:
    return f"live:{channel_id}"


def schedule_stream(schedule_id: int) -> str:
    return f"schedule:{schedule_id}"


@dataclass(frozen=True, slots=True)
class Outgoing:
    """A story message on its way: where it goes, what it says, and what the gate checks."""

    stream: str
    seq: int  # the installment (serials) or the position in the reading (live)
    part: int
    guild_id: int | None
    channel_id: int
    text: str
    story_id: int
    installment: int
    rating: ContentRating
    nonce: str
    more: tuple[int, int] | None = None  # (schedule id, installment): the post carries a More! button
    role: int | None = None  # the one role this post may ping


@dataclass(frozen=True, slots=True)
class Delivery:
    """What the outbox knows of one message: intended at a time, and sent as ``message_id`` if known."""

    stream: str
    seq: int
    part: int
    channel_id: int
    nonce: str
    message_id: int | None
    intended_at: datetime


def live_nonce(channel_id: int, position: int) -> str:
    return f"l{channel_id % 10**12}p{position}"


def serial_nonce(schedule_id: int, installment: int, part: int) -> str:
    return f"s{schedule_id}i{installment}p{part}"[:25]  # Discord takes at most 25 characters

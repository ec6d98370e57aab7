"""A live reading as a record: a story read into one channel, message by message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.states import ReadingState


@dataclass(frozen=True, slots=True)
class LiveReading:
    channel_id: int
    guild_id: int | None
    story_id: int
    started_by: int
    position: int  # messages already posted
    total: int
    speed: float
    state: ReadingState
    reason: str | None  # why it paused on its own, if it did
    minutes: float  # the installment length it was cut with
    card_message_id: int | None
    next_due: datetime | None = None  # when the message at ``position`` posts; None while paused

"""Serial readings as records: a schedule, what creating one needs, and one delivered message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.schedule import Cadence
from bot.core.states import CatchUp, Reason, ScheduleState, ThreadMode


@dataclass(frozen=True, slots=True)
class Schedule:
    id: int
    guild_id: int
    channel_id: int
    story_id: int
    cadence: Cadence
    timezone: str
    minutes: float
    catch_up: CatchUp
    role_id: int | None
    next_installment: int
    total: int
    slot: datetime | None  # the cadence instant the next installment belongs to
    next_due: datetime | None  # when it posts (later than slot while catching up)
    anchor: datetime
    state: ScheduleState
    reason_code: Reason | None
    reason: str | None
    admins_told: bool
    created_by: int
    thread_mode: ThreadMode = ThreadMode.NONE
    thread_id: int | None = None
    more_quorum: int | None = None

    @property
    def target(self) -> int:
        """Where installments go: the schedule's single thread, or its channel."""
        return self.thread_id if self.thread_mode is ThreadMode.SINGLE and self.thread_id else self.channel_id

    @property
    def finished(self) -> bool:
        return self.next_installment > self.total

    @property
    def posted(self) -> int:
        return min(self.next_installment - 1, self.total)


@dataclass(frozen=True, slots=True)
class NewSchedule:
    """What creating a schedule needs; it starts active, its first release at ``first_due``."""

    guild_id: int
    channel_id: int
    story_id: int
    cadence: Cadence
    timezone: str
    minutes: float
    catch_up: CatchUp
    role_id: int | None
    total: int
    first_due: datetime
    anchor: datetime
    created_by: int
    thread_mode: ThreadMode = ThreadMode.NONE
    thread_id: int | None = None
    more_quorum: int | None = None


@dataclass(frozen=True, slots=True)
class Move:
    """Where a schedule goes after a release: its next installment, slot and due time (``None`` when done)."""

    next_installment: int
    slot: datetime | None
    next_due: datetime | None

    @property
    def finishes(self) -> bool:
        return self.next_due is None

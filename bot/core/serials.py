"""Serial readings as records: a schedule, what creating one needs, and one delivered message."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.core.schedule import Cadence, occurrences
from bot.core.states import CatchUp, Reason, ScheduleState, ThreadMode
from bot.core.zones import time_zone


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


OVERDUE = timedelta(minutes=10)  # later than this after its slot, a post is a catch-up
LATE_GAP = timedelta(minutes=10)  # catch-up policy "late": one missed installment this often


def after_release(schedule: Schedule, now: datetime) -> Move:
    """Where a schedule goes once its next installment is out: its slot, and when it posts."""
    following = schedule.next_installment + 1
    if following > schedule.total:
        return Move(following, None, None)
    zone = time_zone(schedule.timezone)
    late = schedule.slot is not None and now - schedule.slot > OVERDUE
    if late and schedule.catch_up is CatchUp.LATE:
        assert schedule.slot is not None
        slot = next(occurrences(schedule.cadence, zone, schedule.slot, anchor=schedule.anchor))
        due = max(slot, now + LATE_GAP) if slot <= now else slot
        return Move(following, slot, due)
    base = now if late else (schedule.slot or now)  # on time, or "shift": move on from now
    slot = next(occurrences(schedule.cadence, zone, max(base, now), anchor=schedule.anchor))
    return Move(following, slot, slot)


def missed_while_down(schedule: Schedule, now: datetime) -> tuple[int, int, Move] | None:
    """Catch-up policy "skip": the installments missed (first, last) and where the schedule resumes.

    ``None`` when the schedule is on time or catches up another way.
    """
    if schedule.catch_up is not CatchUp.SKIP or schedule.slot is None or now - schedule.slot <= OVERDUE:
        return None
    zone = time_zone(schedule.timezone)
    missed, slot = 0, schedule.slot
    times = occurrences(schedule.cadence, zone, schedule.slot, anchor=schedule.anchor)
    while slot <= now:
        missed += 1
        slot = next(times)
    first, last = schedule.next_installment, min(schedule.total, schedule.next_installment + missed - 1)
    following = last + 1
    if following > schedule.total:
        return first, last, Move(following, None, None)
    return first, last, Move(following, slot, slot)

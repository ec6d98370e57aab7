"""Serial readings as records: a schedule, what creating one needs, and one delivered message."""

from __future__ import annotations

from dataclasses import dataclass, replace
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
        """Every installment known so far is out (a serial of a work in progress then waits: :attr:`waiting`)."""
        return self.next_installment > self.total

    @property
    def waiting(self) -> bool:
        """Active with every installment so far out: a serial of a work in progress, waiting for new chapters.

        A serial of a complete story finishes with its last installment, so only a work in progress
        stays active here. It looks at each cadence slot: new installments post (``total`` grows),
        none moves it to the next slot, and a story marked complete meanwhile finishes it.
        """
        return self.state is ScheduleState.ACTIVE and self.next_installment > self.total

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


def after_release(schedule: Schedule, now: datetime, *, in_progress: bool = False) -> Move:
    """Where a schedule goes once its next installment is out: its slot, and when it posts.

    After the last installment it finishes, unless the story is ``in_progress``: then it waits for
    new chapters, looking at each cadence slot from the next one (no catch-up: nothing was missed).
    """
    following = schedule.next_installment + 1
    if following > schedule.total:
        if not in_progress:
            return Move(following, None, None)
        return next_check(replace(schedule, next_installment=following), now)
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


def missed_while_down(schedule: Schedule, now: datetime, *, in_progress: bool = False) -> tuple[int, int, Move] | None:
    """Catch-up policy "skip": the installments missed (first, last) and where the schedule resumes.

    ``None`` when the schedule is on time or catches up another way. Past the last installment it
    finishes, or waits for new chapters at its next slot when the story is ``in_progress``.
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
    if following > schedule.total and not in_progress:
        return first, last, Move(following, None, None)
    return first, last, Move(following, slot, slot)


def next_check(schedule: Schedule, now: datetime) -> Move:
    """A serial waiting for new chapters found none: the same installment, at the first slot after now."""
    zone = time_zone(schedule.timezone)
    slot = next(occurrences(schedule.cadence, zone, max(schedule.slot or now, now), anchor=schedule.anchor))
    return Move(schedule.next_installment, slot, slot)


def slot_after_waiting(schedule: Schedule, now: datetime) -> datetime:
    """The slot of the first new installment a waiting serial finds.

    Its own slot, or now when slots passed since (the bot was down or busy): while it waited there
    was nothing to post, so no catch-up policy counts those slots as missed installments.
    """
    if schedule.slot is None or now - schedule.slot > OVERDUE:
        return now
    return schedule.slot

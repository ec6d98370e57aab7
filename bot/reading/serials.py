"""The serial-reading use cases behind ``/schedule``: create, steer and explain schedules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.errors import NoSuchSchedule, ScheduleError, StorytellerError
from bot.core.gating import refusal
from bot.core.models import StoryRecord
from bot.core.schedule import Plan, next_release, parse_cadence, plan
from bot.core.zones import time_zone
from bot.reading.ports import DeliveryError
from bot.reading.scheduler import Scheduler
from bot.store.schedules import NewSchedule, Schedule

CATCH_UP = ("shift", "late", "skip")
THREAD_MODES = ("none", "single", "each")


@dataclass(frozen=True, slots=True)
class ScheduleStatus:
    schedule: Schedule
    title: str
    problem: str | None  # what is wrong right now, and what fixes it


class Serials:
    """Schedules for a guild, over the scheduler that releases them."""

    def __init__(self, scheduler: Scheduler) -> None:
        self.scheduler = scheduler
        self.schedules = scheduler.schedules
        self.clock = scheduler.clock

    async def create(
        self,
        *,
        guild_id: int,
        channel_id: int,
        record: StoryRecord,
        user_id: int,
        every: str = "daily",
        at: str | None = None,
        timezone: str = "UTC",
        start: datetime | None = None,
        minutes: float | None = None,
        catch_up: str = "shift",
        role_id: int | None = None,
        thread: str = "none",
        more_quorum: int | None = None,
    ) -> tuple[Schedule, Plan]:
        """Schedule ``record`` into a channel; nothing is stored unless every choice is valid."""
        zone = time_zone(timezone)
        if catch_up not in CATCH_UP:
            raise ScheduleError(f"Catch-up must be one of {', '.join(CATCH_UP)}.")
        now = self.clock.now()
        start = max(start or now, now)
        begin = start.astimezone(zone)
        cadence = parse_cadence(every, at, start_weekday=begin.weekday())
        reason = refusal(record.rating, await self.scheduler.live.venue(channel_id))
        if reason is not None:
            raise ScheduleError(reason)
        length = minutes or self.scheduler.catalog.installment_minutes
        installments = await self.scheduler.catalog.installments(record, length)
        preview = plan(cadence, zone, start, len(installments))
        first = preview.first[0]
        if thread not in THREAD_MODES:
            raise ScheduleError(f"Threads must be one of {', '.join(THREAD_MODES)}.")
        thread_id = None
        if thread == "single":  # one thread for the whole serial, opened now
            publisher = self.scheduler.publisher
            starter = await publisher.send(
                channel_id, f"📚 **{record.title}**: a serial reading, {cadence.describe()}. It posts in this thread."
            )
            thread_id = await publisher.start_thread(channel_id, starter, record.title)
        new = NewSchedule(
            guild_id=guild_id,
            channel_id=channel_id,
            story_id=record.id,
            cadence=cadence,
            timezone=str(zone),
            minutes=length,
            catch_up=catch_up,
            role_id=role_id,
            total=len(installments),
            first_due=first,
            anchor=start,
            created_by=user_id,
            thread_mode=thread,
            thread_id=thread_id,
            more_quorum=more_quorum,
        )
        schedule = await self.schedules.create(new, now)
        self.scheduler.wake(first)
        return schedule, preview

    async def more(self, schedule_id: int, installment: int, user_id: int) -> tuple[int, int, bool]:
        """A reader presses More! under an installment: (votes, quorum, whether it released the next)."""
        schedule = await self.schedules.get(schedule_id)
        if schedule is None or not schedule.more_quorum:
            raise StorytellerError("That serial no longer takes More! requests.")
        now = self.clock.now()
        votes, released = await self.schedules.vote_more(schedule_id, installment, user_id, now)
        if released:
            self.scheduler.wake(now)
        return votes, schedule.more_quorum, released

    async def get(self, guild_id: int, schedule_id: int) -> Schedule:
        schedule = await self.schedules.get(schedule_id)
        if schedule is None or schedule.guild_id != guild_id:
            raise NoSuchSchedule(schedule_id)
        return schedule

    async def pause(self, guild_id: int, schedule_id: int) -> Schedule:
        schedule = await self.get(guild_id, schedule_id)
        await self.schedules.update(
            schedule.id, self.clock.now(), state="paused", reason_code="admin", reason="Paused by an admin."
        )
        return await self.get(guild_id, schedule_id)

    async def resume(self, guild_id: int, schedule_id: int) -> Schedule:
        """Resume; a release missed while paused posts now and the schedule moves on from there."""
        schedule = await self.get(guild_id, schedule_id)
        if schedule.state == "finished":
            raise StorytellerError(f"Schedule #{schedule_id} has released every installment already.")
        now = self.clock.now()
        due = schedule.next_due or now
        await self.schedules.update(
            schedule.id,
            now,
            state="active",
            reason_code=None,
            reason=None,
            admins_told=0,
            next_due=max(due, now),  # a release missed while paused posts at once
            slot=schedule.slot or now,
        )
        self.scheduler.wake(now)
        return await self.get(guild_id, schedule_id)

    async def post_now(self, guild_id: int, schedule_id: int) -> Schedule:
        schedule = await self.get(guild_id, schedule_id)
        if schedule.state != "active":
            raise StorytellerError(f"Schedule #{schedule_id} is {schedule.state}; resume it first.")
        now = self.clock.now()
        await self.schedules.update(schedule.id, now, next_due=now, slot=now)
        self.scheduler.wake(now)
        return await self.get(guild_id, schedule_id)

    async def skip(self, guild_id: int, schedule_id: int) -> Schedule:
        """Skip the next installment: the one after it takes its slot."""
        schedule = await self.get(guild_id, schedule_id)
        if schedule.finished:
            raise StorytellerError(f"Schedule #{schedule_id} has nothing left to skip.")
        following = schedule.next_installment + 1
        changes: dict[str, object] = {"next_installment": following}
        if following > schedule.total:
            changes.update(state="finished", next_due=None, slot=None)
        await self.schedules.update(schedule.id, self.clock.now(), **changes)
        return await self.get(guild_id, schedule_id)

    async def edit(
        self,
        guild_id: int,
        schedule_id: int,
        *,
        every: str | None = None,
        at: str | None = None,
        timezone: str | None = None,
        catch_up: str | None = None,
        role_id: int | None = None,
        clear_role: bool = False,
    ) -> Schedule:
        """Change when and how a schedule releases; the next post moves to the new cadence."""
        schedule = await self.get(guild_id, schedule_id)
        zone = time_zone(timezone or schedule.timezone)
        if catch_up is not None and catch_up not in CATCH_UP:
            raise ScheduleError(f"Catch-up must be one of {', '.join(CATCH_UP)}.")
        cadence = schedule.cadence
        if every is not None or at is not None:
            cadence = parse_cadence(every or cadence.every(), at or cadence.at.strftime("%H:%M"))
        now = self.clock.now()
        changes: dict[str, object] = {"cadence": cadence.encode(), "timezone": str(zone)}
        if catch_up is not None:
            changes["catch_up"] = catch_up
        if role_id is not None or clear_role:
            changes["role_id"] = None if clear_role else role_id
        if schedule.state == "active" and (cadence != schedule.cadence or str(zone) != schedule.timezone):
            due = next_release(cadence, zone, now, anchor=now)
            changes.update(slot=due, next_due=due, anchor=now)
            self.scheduler.wake(due)
        await self.schedules.update(schedule.id, now, **changes)
        return await self.get(guild_id, schedule_id)

    async def cancel(self, guild_id: int, schedule_id: int) -> None:
        schedule = await self.get(guild_id, schedule_id)
        await self.schedules.delete(schedule.id)

    async def status(self, guild_id: int, schedule_id: int) -> ScheduleStatus:
        """The schedule, and what is wrong with it right now if anything."""
        schedule = await self.get(guild_id, schedule_id)
        record = await self.scheduler.stories.by_id(schedule.story_id)
        title = record.title if record else "(removed story)"
        problem = schedule.reason if schedule.state == "paused" or schedule.reason_code == "retrying" else None
        if problem is None and record is not None and schedule.state == "active":
            try:
                problem = refusal(record.rating, await self.scheduler.live.venue(schedule.channel_id))
            except DeliveryError as exc:
                problem = exc.reason
        return ScheduleStatus(schedule, title, problem)

    def upcoming(self, schedule: Schedule, count: int = 3) -> list[datetime]:
        if schedule.next_due is None or schedule.state != "active":
            return []
        times = [schedule.next_due]
        zone = time_zone(schedule.timezone)
        while len(times) < min(count, schedule.total - schedule.next_installment + 1):
            times.append(next_release(schedule.cadence, zone, times[-1], anchor=schedule.anchor))
        return times

"""The serial-reading use cases behind ``/schedule``: create, steer and explain schedules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.errors import MoreClosed, NoSuchSchedule, ScheduleError, StorytellerError
from bot.core.gating import refusal
from bot.core.models import StoryRecord
from bot.core.schedule import Plan, next_release, parse_cadence, plan
from bot.core.serials import Move, NewSchedule, Schedule
from bot.core.states import CatchUp, Reason, ScheduleState, ThreadMode, parse
from bot.core.zones import time_zone
from bot.library.catalog import Catalog
from bot.reading.delivery import Deliverer
from bot.reading.engine import DeliveryEngine
from bot.reading.ports import Clock, DeliveryError
from bot.reading.releases import KIND
from bot.reading.venues import Venues
from bot.store.schedules import ScheduleRepository
from bot.store.stories import StoryRepository


@dataclass(frozen=True, slots=True)
class ScheduleStatus:
    schedule: Schedule
    title: str
    problem: str | None  # what is wrong right now, and what fixes it


class Serials:
    """Schedules for a guild, over the engine that releases them."""

    def __init__(
        self,
        *,
        schedules: ScheduleRepository,
        stories: StoryRepository,
        catalog: Catalog,
        venues: Venues,
        deliverer: Deliverer,
        engine: DeliveryEngine,
        clock: Clock,
    ) -> None:
        self.schedules = schedules
        self.stories = stories
        self.catalog = catalog
        self.venues = venues
        self.deliverer = deliverer
        self.engine = engine
        self.clock = clock

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
        catch_up: CatchUp | str = CatchUp.SHIFT,
        role_id: int | None = None,
        thread: ThreadMode | str = ThreadMode.NONE,
        more_quorum: int | None = None,
    ) -> tuple[Schedule, Plan]:
        """Schedule ``record`` into a channel; nothing is stored unless every choice is valid."""
        zone = time_zone(timezone)
        policy = parse(CatchUp, catch_up, "Catch-up")
        thread_mode = parse(ThreadMode, thread, "Threads")
        now = self.clock.now()
        start = max(start or now, now)
        cadence = parse_cadence(every, at, start_weekday=start.astimezone(zone).weekday())
        reason = refusal(record.rating, await self.venues.venue(channel_id))
        if reason is not None:
            raise ScheduleError(reason)
        length = minutes or self.catalog.installment_minutes
        installments = await self.catalog.installments(record, length)
        preview = plan(cadence, zone, start, len(installments))
        first = preview.first[0]
        thread_id = None
        if thread_mode is ThreadMode.SINGLE:  # one thread for the whole serial, opened now
            publisher = self.deliverer.publisher
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
            catch_up=policy,
            role_id=role_id,
            total=len(installments),
            first_due=first,
            anchor=start,
            created_by=user_id,
            thread_mode=thread_mode,
            thread_id=thread_id,
            more_quorum=more_quorum,
        )
        schedule = await self.schedules.create(new, now)
        self.engine.wake(first)
        return schedule, preview

    async def more(self, schedule_id: int, installment: int, user_id: int) -> tuple[int, int, bool]:
        """A reader presses More! under an installment: (votes, quorum, whether it released the next)."""
        schedule = await self.schedules.get(schedule_id)
        if schedule is None or not schedule.more_quorum:
            raise MoreClosed()
        now = self.clock.now()
        votes, released = await self.schedules.vote_more(schedule_id, installment, user_id, now)
        if released:
            self.engine.wake(now)
        return votes, schedule.more_quorum, released

    async def get(self, guild_id: int, schedule_id: int) -> Schedule:
        schedule = await self.schedules.get(schedule_id)
        if schedule is None or schedule.guild_id != guild_id:
            raise NoSuchSchedule(schedule_id)
        return schedule

    async def for_guild(self, guild_id: int) -> list[Schedule]:
        return await self.schedules.for_guild(guild_id)

    async def pause(self, guild_id: int, schedule_id: int) -> Schedule:
        schedule = await self.get(guild_id, schedule_id)
        await self.schedules.pause(schedule.id, Reason.ADMIN, "Paused by an admin.", self.clock.now())
        return await self.get(guild_id, schedule_id)

    async def resume(self, guild_id: int, schedule_id: int) -> Schedule:
        """Resume; a release missed while paused posts now and the schedule moves on from there."""
        schedule = await self.get(guild_id, schedule_id)
        if schedule.state is ScheduleState.FINISHED:
            raise StorytellerError(f"Schedule #{schedule_id} has released every installment already.")
        now = self.clock.now()
        due = max(schedule.next_due or now, now)  # a release missed while paused posts at once
        await self.schedules.resume(schedule.id, due, schedule.slot or now, now)
        self.engine.wake(due)
        return await self.get(guild_id, schedule_id)

    async def post_now(self, guild_id: int, schedule_id: int) -> Schedule:
        schedule = await self.get(guild_id, schedule_id)
        if schedule.state is not ScheduleState.ACTIVE:
            raise StorytellerError(f"Schedule #{schedule_id} is {schedule.state}; resume it first.")
        now = self.clock.now()
        await self.schedules.release_now(schedule.id, now)
        self.engine.wake(now)
        return await self.get(guild_id, schedule_id)

    async def skip(self, guild_id: int, schedule_id: int) -> Schedule:
        """Skip the next installment: the one after it takes its slot."""
        schedule = await self.get(guild_id, schedule_id)
        if schedule.finished:
            raise StorytellerError(f"Schedule #{schedule_id} has nothing left to skip.")
        following = schedule.next_installment + 1
        move = Move(following, schedule.slot, schedule.next_due)
        if following > schedule.total:
            move = Move(following, None, None)
        await self.schedules.move(schedule.id, move, self.clock.now())
        return await self.get(guild_id, schedule_id)

    async def edit(
        self,
        guild_id: int,
        schedule_id: int,
        *,
        every: str | None = None,
        at: str | None = None,
        timezone: str | None = None,
        catch_up: CatchUp | str | None = None,
        role_id: int | None = None,
        clear_role: bool = False,
    ) -> Schedule:
        """Change when and how a schedule releases; the next post moves to the new cadence."""
        schedule = await self.get(guild_id, schedule_id)
        zone = time_zone(timezone or schedule.timezone)
        policy = schedule.catch_up if catch_up is None else parse(CatchUp, catch_up, "Catch-up")
        cadence = schedule.cadence
        if every is not None or at is not None:
            cadence = parse_cadence(every or cadence.every(), at or cadence.at.strftime("%H:%M"))
        now = self.clock.now()
        retimed = None
        if schedule.state is ScheduleState.ACTIVE and (cadence != schedule.cadence or str(zone) != schedule.timezone):
            due = next_release(cadence, zone, now, anchor=now)
            retimed = (due, now)
        role = None if clear_role else (role_id if role_id is not None else schedule.role_id)
        await self.schedules.edit(
            schedule.id, now, cadence=cadence, timezone=str(zone), catch_up=policy, role_id=role, retimed=retimed
        )
        if retimed is not None:
            self.engine.wake(retimed[0])
        return await self.get(guild_id, schedule_id)

    async def end_for_story(self, guild_id: int, story_id: int, notice: str) -> int:
        """End the server's serials of a story that is gone, telling each channel why."""
        ended = [s for s in await self.schedules.for_guild(guild_id) if s.story_id == story_id]
        for schedule in ended:
            await self.cancel(guild_id, schedule.id)
            posting = self.deliverer.notice(guild_id, schedule.target, notice)
            self.engine.post_later(posting, f"notice-{schedule.target}")
        return len(ended)

    async def cancel(self, guild_id: int, schedule_id: int) -> None:
        schedule = await self.get(guild_id, schedule_id)
        self.engine.cancel(KIND, schedule.id)  # a release under way stops where it is
        await self.schedules.delete(schedule.id)

    async def status(self, guild_id: int, schedule_id: int) -> ScheduleStatus:
        """The schedule, and what is wrong with it right now if anything."""
        schedule = await self.get(guild_id, schedule_id)
        record = await self.stories.by_id(schedule.story_id)
        title = record.title if record else "(removed story)"
        problem = schedule.reason if schedule.state is ScheduleState.PAUSED else None
        waiting = self.engine.waiting(KIND, schedule.id)
        if problem is None and waiting is not None:
            problem = waiting[0].upper() + waiting[1:] + "."
        if problem is None and record is not None and schedule.state is ScheduleState.ACTIVE:
            try:
                problem = refusal(record.rating, await self.venues.venue(schedule.target))
            except DeliveryError as exc:
                problem = exc.reason
        return ScheduleStatus(schedule, title, problem)

    def upcoming(self, schedule: Schedule, count: int = 3) -> list[datetime]:
        if schedule.next_due is None or schedule.state is not ScheduleState.ACTIVE:
            return []
        times = [schedule.next_due]
        zone = time_zone(schedule.timezone)
        while len(times) < min(count, schedule.total - schedule.next_installment + 1):
            times.append(next_release(schedule.cadence, zone, times[-1], anchor=schedule.anchor))
        return times

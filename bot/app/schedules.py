"""/schedule (Manage Server) and the More! button: serial readings released on a cadence."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.app.actor import Actor, require_admin
from bot.app.ports import ServicesPort, zone_of
from bot.core.errors import MoreClosed, ScheduleError, echo
from bot.core.schedule import Plan
from bot.core.serials import Schedule
from bot.core.states import CatchUp, ThreadMode, parse
from bot.reading.readings import Readings


@dataclass(frozen=True, slots=True)
class ScheduleRequest:
    """``/schedule create`` as typed: the story by name, the rest as options (None: the default)."""

    story: str
    channel_id: int
    start: str | None = None  # YYYY-MM-DD in the schedule's time zone
    every: str = "daily"
    at: str | None = "20:00"
    timezone: str | None = None  # default: the server's
    minutes: float | None = None
    catch_up: str = CatchUp.SHIFT
    role_id: int | None = None
    thread: str = ThreadMode.NONE
    more: int | None = None


@dataclass(frozen=True, slots=True)
class ScheduleChange:
    every: str | None = None
    at: str | None = None
    timezone: str | None = None
    catch_up: str | None = None
    role_id: int | None = None
    clear_role: bool = False


@dataclass(frozen=True, slots=True)
class ScheduleCreated:
    schedule: Schedule
    title: str
    plan: Plan


@dataclass(frozen=True, slots=True)
class ScheduleLine:
    schedule: Schedule
    title: str


@dataclass(frozen=True, slots=True)
class ScheduleReport:
    """A schedule as ``status`` and ``show`` explain it."""

    schedule: Schedule
    title: str
    problem: str | None  # what is wrong right now, and what fixes it
    upcoming: tuple[datetime, ...]  # the next post times (while waiting for new chapters: the next check)
    in_progress: bool = False  # the story is a work in progress: its author still adds chapters


WAITING = "waiting for new chapters"


def _plain(text: str) -> str:
    return text


def state_text(schedule: Schedule) -> str:
    """A schedule's state in the words every front end uses: a caught-up work in progress is waiting."""
    return WAITING if schedule.waiting else str(schedule.state)


def waiting_text(report: ScheduleReport, when: str, strong: Callable[[str], str] = _plain) -> str | None:
    """What a serial that has posted every installment so far is waiting for, or ``None``.

    ``when`` is its next check (a release time) as the front end writes times; ``strong``
    emphasises the title.
    """
    if not report.schedule.waiting:
        return None
    title = strong(report.title)
    if report.in_progress:
        return f"Waiting for new chapters: {title} is a work in progress; checking at each release, next {when}."
    return f"{title} is now complete: at its next release, {when}, the serial posts any new chapters, then finishes."


@dataclass(frozen=True, slots=True)
class MoreResult:
    votes: int
    quorum: int
    released: bool

    @property
    def message(self) -> str:
        if self.released:
            return "Enough readers asked: the next installment is on its way!"
        if self.votes >= self.quorum:
            return "The next installment is already on its way (or out)."
        return f"Counted: {self.votes} of {self.quorum} readers want more."


def first_day(start: str | None, zone_name: str) -> datetime | None:
    if not start:
        return None
    zone = zone_of(zone_name)
    try:
        day = datetime.strptime(start.strip(), "%Y-%m-%d").replace(tzinfo=zone)
    except ValueError:
        raise ScheduleError(f"`{echo(start)}` is not a date. Write it like `2026-12-01`.") from None
    return day.astimezone(UTC)


class Schedules:
    def __init__(self, services: ServicesPort, readings: Readings) -> None:
        self.catalog = services.catalog
        self.stories = services.stories
        self.guilds = services.guilds
        self.repository = services.schedules
        self.serials = readings.serials

    async def create(self, actor: Actor, request: ScheduleRequest) -> ScheduleCreated:
        guild_id = require_admin(actor)
        record = await self.catalog.find(request.story, guild_id)
        zone = str(zone_of(request.timezone or (await self.guilds.get(guild_id)).timezone))
        catch_up = parse(CatchUp, request.catch_up, "Catch-up")
        thread = parse(ThreadMode, request.thread, "Threads")
        schedule, preview = await self.serials.create(
            guild_id=guild_id,
            channel_id=request.channel_id,
            record=record,
            user_id=actor.user_id,
            every=request.every,
            at=request.at,
            timezone=zone,
            start=first_day(request.start, zone),
            minutes=request.minutes,
            catch_up=catch_up,
            role_id=request.role_id,
            thread=thread,
            more_quorum=request.more,
        )
        return ScheduleCreated(schedule, record.title, preview)

    async def list(self, actor: Actor) -> list[ScheduleLine]:
        guild_id = require_admin(actor)
        return [ScheduleLine(s, await self._title(s)) for s in await self.repository.for_guild(guild_id)]

    async def choices(self, actor: Actor) -> list[ScheduleLine]:
        """The server's schedules for autocomplete (nothing outside a server)."""
        if actor.guild_id is None:
            return []
        return [ScheduleLine(s, await self._title(s)) for s in await self.repository.for_guild(actor.guild_id)]

    async def status(self, actor: Actor, schedule_id: int, *, upcoming: int = 3) -> ScheduleReport:
        guild_id = require_admin(actor)
        status = await self.serials.status(guild_id, schedule_id)
        times = self.serials.upcoming(status.schedule, count=upcoming)
        record = await self.stories.by_id(status.schedule.story_id)
        in_progress = record is not None and record.meta.in_progress
        return ScheduleReport(status.schedule, status.title, status.problem, tuple(times), in_progress)

    async def show(self, actor: Actor, schedule_id: int) -> ScheduleReport:
        """The whole plan: every post time still to come."""
        guild_id = require_admin(actor)
        schedule = await self.serials.get(guild_id, schedule_id)
        return await self.status(actor, schedule_id, upcoming=max(1, schedule.total))

    async def pause(self, actor: Actor, schedule_id: int) -> ScheduleReport:
        await self.serials.pause(require_admin(actor), schedule_id)
        return await self.status(actor, schedule_id)

    async def resume(self, actor: Actor, schedule_id: int) -> ScheduleReport:
        await self.serials.resume(require_admin(actor), schedule_id)
        return await self.status(actor, schedule_id)

    async def skip(self, actor: Actor, schedule_id: int) -> ScheduleReport:
        await self.serials.skip(require_admin(actor), schedule_id)
        return await self.status(actor, schedule_id)

    async def post_now(self, actor: Actor, schedule_id: int) -> ScheduleReport:
        await self.serials.post_now(require_admin(actor), schedule_id)
        return await self.status(actor, schedule_id)

    async def edit(self, actor: Actor, schedule_id: int, change: ScheduleChange) -> ScheduleReport:
        if change.timezone is not None:
            zone_of(change.timezone)  # refused here with the usual words, whatever was typed
        await self.serials.edit(
            require_admin(actor),
            schedule_id,
            every=change.every,
            at=change.at,
            timezone=change.timezone,
            catch_up=parse(CatchUp, change.catch_up, "Catch-up") if change.catch_up is not None else None,
            role_id=change.role_id,
            clear_role=change.clear_role,
        )
        return await self.status(actor, schedule_id)

    async def cancel(self, actor: Actor, schedule_id: int) -> int:
        await self.serials.cancel(require_admin(actor), schedule_id)
        return schedule_id

    async def more(self, actor: Actor, schedule_id: int, installment: int) -> MoreResult:
        """A reader presses More! under an installment; enough distinct readers release the next one early."""
        schedule = await self.repository.get(schedule_id)
        if schedule is None or not schedule.more_quorum or schedule.guild_id != actor.guild_id:
            raise MoreClosed()
        votes, quorum, released = await self.serials.more(schedule_id, installment, actor.user_id)
        return MoreResult(votes, quorum, released)

    async def _title(self, schedule: Schedule) -> str:
        record = await self.stories.by_id(schedule.story_id)
        return record.title if record else "(removed story)"

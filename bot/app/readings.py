"""Reading a story: live into a channel (/story, /reading and the card's buttons) or privately."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.app.actor import Actor, require_reader, require_steer
from bot.app.pages import Page, PageKind, clamp
from bot.app.ports import ServicesPort
from bot.app.stories import Stories, StoryCard
from bot.core.errors import NoReading, StoryRemoved
from bot.core.gating import check
from bot.core.pacing import reading_script
from bot.core.states import Control, ReadingState
from bot.reading.live import ReadingStatus
from bot.reading.ports import Clock
from bot.reading.readings import Readings


@dataclass(frozen=True, slots=True)
class LiveStart:
    """A live reading that may start here: the card to post first, and whether to open a thread."""

    card: StoryCard
    open_thread: bool


@dataclass(frozen=True, slots=True)
class ControlResult:
    action: Control
    status: ReadingStatus | None  # None once stopped

    @property
    def stopped(self) -> bool:
        return self.status is None


@dataclass(frozen=True, slots=True)
class PrivateStart:
    card: StoryCard
    page: Page
    welcome_back: int | None  # the page (from 0) the reader had stopped at, when they come back


def _plain(text: str) -> str:
    return text


def status_text(status: ReadingStatus, strong: Callable[[str], str] = _plain) -> str:
    """A live reading's status in the words every front end uses; ``strong`` emphasises the title."""
    if status.state is ReadingState.PAUSED:
        state = "⏸️ Paused"
    elif status.waiting:
        state = "⏳ Waiting"
    else:
        state = "▶️ Reading"
    line = (
        f"{state} {strong(status.title)}: message {min(status.position + 1, status.total)} of {status.total}, "
        f"speed ×{status.speed:g}, about {status.minutes_left:.0f} min left."
    )
    if status.waiting:
        line += f"\nWaiting: {status.waiting}"
    if status.reason:
        line += f"\nWhy it paused: {status.reason}"
    return line


def control_text(result: ControlResult, strong: Callable[[str], str] = _plain) -> str:
    return "⏹️ Reading stopped." if result.status is None else status_text(result.status, strong)


class LiveReadingUseCases:
    """/story (live) and /reading: start, steer and explain the reading in a channel."""

    def __init__(self, services: ServicesPort, readings: Readings, stories: Stories) -> None:
        self.catalog = services.catalog
        self.guilds = services.guilds
        self.readings = readings
        self.stories = stories

    async def prepare(self, actor: Actor, title: str) -> LiveStart:
        """Everything that may refuse a live reading, checked before anything is posted."""
        record = await self.catalog.find(title, actor.guild_id)
        venue = await self.stories.venue(actor.channel_id)
        check(record.rating, venue)
        open_thread = False
        if actor.guild_id is not None:
            settings = await self.guilds.get(actor.guild_id)
            require_reader(actor, settings.reader_role_id)
            open_thread = settings.open_threads
        await self.readings.live.ensure_free(actor.channel_id)
        return LiveStart(await self.stories.card(actor, record, venue), open_thread)

    async def start(
        self, actor: Actor, prepared: LiveStart, *, channel_id: int | None = None, card_message_id: int | None = None
    ) -> ReadingStatus:
        """Start reading into ``channel_id`` (default: the actor's channel; a thread opened for it)."""
        return await self.readings.live.start(
            channel_id=channel_id if channel_id is not None else actor.channel_id,
            guild_id=actor.guild_id,
            record=prepared.card.record,
            user_id=actor.user_id,
            card_message_id=card_message_id,
        )

    async def control(self, actor: Actor, channel_id: int, action: Control) -> ControlResult:
        """Pause, resume, stop, faster or slower: the reader who started it, or Manage Messages."""
        row = await self.readings.live.get(channel_id)
        if row is None:
            raise NoReading()
        require_steer(actor, row.started_by)
        return ControlResult(action, await self.readings.live.control(channel_id, action))

    async def status(self, actor: Actor, channel_id: int | None = None) -> ReadingStatus:
        return await self.readings.live.status(channel_id if channel_id is not None else actor.channel_id)


class PrivateReadings:
    """/story private:True: the story page by page, to one reader, remembering where they are."""

    def __init__(self, services: ServicesPort, stories: Stories, clock: Clock) -> None:
        self.catalog = services.catalog
        self.repository = services.stories
        self.progress = services.progress
        self.stories = stories
        self.clock = clock

    async def open(self, actor: Actor, title: str, *, from_start: bool = False) -> PrivateStart:
        record = await self.catalog.find(title, actor.guild_id)
        venue = await self.stories.venue(actor.channel_id)
        check(record.rating, venue)
        card = await self.stories.card(actor, record, venue)
        stored = 0 if from_start else await self.progress.page(actor.user_id, record.id)
        page = await self.page(actor, record.id, stored)
        return PrivateStart(card, page, stored or None)

    async def page(self, actor: Actor, story_id: int, page: int) -> Page:
        """One page; the rating gate is checked on every page, in the channel the reader is in."""
        record = await self.repository.by_id(story_id)
        if record is None:
            raise StoryRemoved()
        check(record.rating, await self.stories.venue(actor.channel_id))
        texts = [p.text for p in reading_script(await self.catalog.installments(record))]
        if not texts:
            raise StoryRemoved()
        page = clamp(page, len(texts))
        await self.progress.set_page(actor.user_id, story_id, page, self.clock.now())
        return Page(PageKind.STORY, story_id, texts[page], page, len(texts))

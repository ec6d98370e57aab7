"""Looking at stories: /summary, /rating, /library, /recap and title autocomplete."""

from __future__ import annotations

from dataclasses import dataclass

from bot.app.actor import Actor
from bot.app.ports import ServicesPort, rating_level
from bot.core.errors import NothingToRecap, echo
from bot.core.gating import Venue, check, may_show_summary, refusal, where_readable
from bot.core.models import StoryRecord
from bot.core.recap import recap as recap_of
from bot.reading.readings import Readings

PAGE_SIZE = 10


@dataclass(frozen=True, slots=True)
class StoryCard:
    """A story as its card shows it, in one channel (the venue decides whether the summary shows)."""

    record: StoryRecord
    venue: Venue
    reading_minutes: int
    summary_shown: bool
    previously: tuple[str, ...] = ()  # recap sentences of what this channel has read of it


@dataclass(frozen=True, slots=True)
class RatingInfo:
    record: StoryRecord
    venue: Venue
    where: str  # where it may be read at all
    refusal: str | None  # why not here, or None when it may be read here


@dataclass(frozen=True, slots=True)
class LibraryPage:
    records: tuple[StoryRecord, ...]
    page: int  # from 0
    pages: int
    total: int
    search: str
    fandom: str
    rating: str

    @property
    def filters(self) -> str:
        parts = (
            f"search “{echo(self.search)}”" if self.search else "",
            f"fandom “{echo(self.fandom)}”" if self.fandom else "",
            f"rating {self.rating}" if self.rating else "",
        )
        return " · ".join(p for p in parts if p)


@dataclass(frozen=True, slots=True)
class Recap:
    record: StoryRecord
    sentences: tuple[str, ...]
    installments_read: int


class Stories:
    def __init__(self, services: ServicesPort, readings: Readings) -> None:
        self.catalog = services.catalog
        self.stories = services.stories
        self.readings = readings

    async def venue(self, channel_id: int) -> Venue:
        return await self.readings.venues.venue(channel_id)

    async def card(self, actor: Actor, record: StoryRecord, venue: Venue | None = None) -> StoryCard:
        venue = venue or await self.venue(actor.channel_id)
        return StoryCard(
            record=record,
            venue=venue,
            reading_minutes=record.reading_minutes(self.catalog.words_per_minute),
            summary_shown=may_show_summary(record.rating, venue),
        )

    async def summary(self, actor: Actor, title: str) -> StoryCard:
        """The story card, with a recap of what this channel has read of it (never past the last post)."""
        record = await self.catalog.find(title, actor.guild_id)
        card = await self.card(actor, record)
        so_far = await self.readings.so_far(actor.channel_id)
        if so_far is not None and so_far.record.id == record.id and card.summary_shown:
            previously = tuple(recap_of(so_far.texts()))
            card = StoryCard(card.record, card.venue, card.reading_minutes, card.summary_shown, previously)
        return card

    async def rating(self, actor: Actor, title: str) -> RatingInfo:
        record = await self.catalog.find(title, actor.guild_id)
        venue = await self.venue(actor.channel_id)
        return RatingInfo(record, venue, where_readable(record.rating), refusal(record.rating, venue))

    async def library(
        self, *, search: str = "", fandom: str = "", rating: str = "", page: int = 0, guild_id: int | None = None
    ) -> LibraryPage:
        """A page of the library as a server sees it (its shelf and the shared stories), filtered;
        a page past the end shows the last one."""
        rating = rating_level(rating).value if rating.strip() else ""
        search, fandom = search.strip(), fandom.strip()
        page = max(0, page)
        records, total = await self.stories.browse(
            search=search, fandom=fandom, rating=rating, offset=page * PAGE_SIZE, limit=PAGE_SIZE, guild_id=guild_id
        )
        pages = max(1, -(-total // PAGE_SIZE))
        if page >= pages and total:
            page = pages - 1
            records, total = await self.stories.browse(
                search=search, fandom=fandom, rating=rating, offset=page * PAGE_SIZE, limit=PAGE_SIZE
            )
        return LibraryPage(tuple(records), page, pages, total, search, fandom, rating)

    async def recap(self, actor: Actor, installments: int | None = None) -> Recap:
        so_far = await self.readings.so_far(actor.channel_id)
        if so_far is None or not so_far.installments:
            raise NothingToRecap()
        check(so_far.record.rating, await self.venue(actor.channel_id))
        return Recap(so_far.record, tuple(recap_of(so_far.texts(installments))), len(so_far.installments))

    async def complete(self, typed: str, guild_id: int | None = None) -> list[tuple[str, str]]:
        """(slug, title) suggestions over titles, authors and fandoms, typos included, as a server sees them."""
        return await self.catalog.complete(typed, guild_id=guild_id)

    async def fandoms(self, typed: str, guild_id: int | None = None) -> list[str]:
        return await self.stories.fandoms(typed, guild_id=guild_id)

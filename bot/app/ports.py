"""What the use cases need from the services, as a protocol (``bot.services.Services`` fits it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol
from zoneinfo import ZoneInfo

from bot.core.errors import InvalidOption, UnknownTimeZone, echo
from bot.core.ratings import Rating
from bot.core.zones import time_zone
from bot.library.catalog import Catalog
from bot.store.guilds import GuildSettingsRepository
from bot.store.readings import ReaderProgressRepository
from bot.store.responses import ResponseRepository
from bot.store.schedules import ScheduleRepository
from bot.store.shelves import ShelfRepository
from bot.store.stories import StoryRepository


@dataclass(frozen=True, slots=True)
class ShelfLimits:
    max_file_bytes: int
    max_stories: int
    max_bytes: int


class Fetched(Protocol):
    """What a link gave: the story's canonical address, a file name whose suffix names the format, the bytes."""

    @property
    def url(self) -> str: ...
    @property
    def filename(self) -> str: ...
    @property
    def data(self) -> bytes: ...


class Fetcher(Protocol):
    """Fetches a story page in a process of its own, within a time and size limit."""

    @property
    def available(self) -> bool: ...

    async def __call__(self, url: str) -> Fetched: ...


class ServicesPort(Protocol):
    """The repositories and the catalog every front end shares."""

    @property
    def catalog(self) -> Catalog: ...
    @property
    def stories(self) -> StoryRepository: ...
    @property
    def guilds(self) -> GuildSettingsRepository: ...
    @property
    def progress(self) -> ReaderProgressRepository: ...
    @property
    def schedules(self) -> ScheduleRepository: ...
    @property
    def responses(self) -> ResponseRepository: ...
    @property
    def shelves(self) -> ShelfRepository: ...
    @property
    def shelf_limits(self) -> ShelfLimits: ...
    @property
    def fetcher(self) -> Fetcher: ...


def rating_level(text: str) -> Rating:
    """A rating level typed by a person (``"t"``, ``"PG"``), or :class:`InvalidOption`."""
    try:
        return Rating.parse_level(text)
    except ValueError:
        codes = ", ".join(r.value for r in Rating)
        raise InvalidOption(f"`{echo(text)}` is not a rating. Use one of {codes}.") from None


def zone_of(text: str) -> ZoneInfo:
    """A time zone typed by a person, or :class:`UnknownTimeZone` whatever was typed.

    ``zoneinfo`` looks the name up as a file: a name too long for the file system raises ``OSError``,
    which :func:`bot.core.zones.time_zone` does not turn into the error people read.
    """
    try:
        return time_zone(text)
    except OSError:
        raise UnknownTimeZone(text) from None

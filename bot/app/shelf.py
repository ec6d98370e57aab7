"""A server's own shelf: /import from an attachment or a link, and /remove.

A story imported in a server belongs to that server: only it sees the story, and there
the story wins over a shared one with the same slug. Importing the same file name or link
again updates the story in place (same slug, same readings); the same content already on
the shelf or in the shared library is reported, not added twice.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import PurePath

from bot.app.actor import Actor, require_admin
from bot.app.ports import ServicesPort, ShelfLimits
from bot.app.stories import Stories, StoryCard
from bot.core.errors import FetchUnavailable, ImportRefused, InvalidOption, NotAllowed, StoryFileError, echo
from bot.core.models import StoryRecord
from bot.core.slugs import slugify
from bot.library.importer import content_hash, story_digest
from bot.library.loader import STORY_SUFFIXES, StoryFile, parse_story_file
from bot.library.parsed import ParsedStory
from bot.reading.ports import Clock
from bot.reading.readings import Readings
from bot.store.shelves import ShelfUsage

Progress = Callable[[str], Awaitable[None]]


class Outcome:
    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"  # the same file or link again, with nothing new
    ALREADY = "already"  # the same content is already in the library this server sees


@dataclass(frozen=True, slots=True)
class Imported:
    outcome: str
    card: StoryCard
    installments: int  # at the server's pace
    minutes: float  # that pace: reading minutes per installment
    notices: tuple[str, ...]
    usage: ShelfUsage
    limits: ShelfLimits

    @property
    def record(self) -> StoryRecord:
        return self.card.record


@dataclass(frozen=True, slots=True)
class Removed:
    title: str
    readings_ended: int
    serials_ended: int


class Shelf:
    def __init__(self, services: ServicesPort, stories: Stories, readings: Readings, clock: Clock) -> None:
        self.catalog = services.catalog
        self.repository = services.stories
        self.shelves = services.shelves
        self.limits = services.shelf_limits
        self.stories = stories
        self.readings = readings
        self.clock = clock
        self.fetcher = services.fetcher

    def check_request(self, actor: Actor, *, file: tuple[str, int] | None, url: str | None) -> None:
        """/import's refusals that need nothing downloaded: who asks, one source, and an attachment's
        declared size (Discord says it before a byte is fetched)."""
        require_admin(actor)
        if (file is None) == (url is None):
            raise InvalidOption("Give `/import` one of `file` (an attached story file) or `url` (a story's page).")
        if file is not None:
            name, size = file
            self._check_suffix(safe_filename(name))
            self._check_size(size, safe_filename(name))

    async def import_file(self, actor: Actor, filename: str, data: bytes) -> Imported:
        """/import file: a story file attached in Discord (or a path in the console)."""
        guild_id = require_admin(actor)
        name = safe_filename(filename)
        self._check_size(len(data), name)
        return await self._save(actor, guild_id, StoryFile(PurePath(name), data, None, None), name, "")

    async def import_link(self, actor: Actor, url: str, progress: Progress | None = None) -> Imported:
        """/import url: a story page on a site FanFicFare knows, fetched in its own process."""
        guild_id = require_admin(actor)
        if not self.fetcher.available:
            raise FetchUnavailable()
        if progress:
            await progress(f"Fetching <{echo(url, 200)}>… this can take a minute.")
        fetched = await self.fetcher(url)
        self._check_size(len(fetched.data), fetched.url)
        if progress:
            await progress("Fetched. Reading the story…")
        file = StoryFile(PurePath(safe_filename(fetched.filename)), fetched.data, None, None)
        return await self._save(actor, guild_id, file, fetched.url, fetched.url)

    async def remove(self, actor: Actor, title: str) -> Removed:
        """/remove story: take a story this server imported off its shelf; its readings end with a notice."""
        guild_id = require_admin(actor)
        record = await self.catalog.find(title, guild_id)
        if record.guild_id != guild_id:
            raise NotAllowed(
                f"**{record.title}** is in the shared library, which only the bot's operator changes. "
                "`/remove` takes stories this server added with `/import`."
            )
        if not await self.shelves.remove(record.id, self.clock.now()):
            raise NotAllowed(f"**{record.title}** was removed already.")
        gone = f"📕 **{record.title}** was removed from this server's shelf, so"
        readings = await self.readings.live.end_for_story(guild_id, record.id, f"{gone} this reading has ended.")
        serials = await self.readings.serials.end_for_story(guild_id, record.id, f"{gone} this serial has ended.")
        return Removed(record.title, readings, serials)

    async def own(self, actor: Actor, typed: str) -> list[tuple[str, str]]:
        """(slug, title) of this server's own stories matching what is typed: /remove's autocomplete."""
        if actor.guild_id is None:
            return []
        found = await self.catalog.complete(typed, guild_id=actor.guild_id)
        own = []
        for slug, title in found:
            record = await self.repository.by_slug(slug, guild_id=actor.guild_id)
            if record is not None and record.guild_id == actor.guild_id:
                own.append((slug, title))
        return own

    def _check_size(self, size: int, what: str) -> None:
        if size > self.limits.max_file_bytes:
            raise ImportRefused(
                f"`{echo(what)}` is {megabytes(size)}; stories added from Discord may be at most "
                f"{megabytes(self.limits.max_file_bytes)}."
            )

    @staticmethod
    def _check_suffix(name: str) -> None:
        if PurePath(name).suffix.lower() not in STORY_SUFFIXES:
            readable = ", ".join(sorted(STORY_SUFFIXES))
            raise ImportRefused(f"`{echo(name)}` is not a story file Storyteller reads ({readable}).")

    async def _save(self, actor: Actor, guild_id: int, file: StoryFile, source: str, url: str) -> Imported:
        self._check_suffix(file.path.name)
        known = await self.shelves.from_source(source, guild_id)
        parsed = None
        if url:  # a fetched file carries the time it was packaged: its story, not its bytes, says what changed
            parsed = await self._parse(file)
            digest = story_digest(parsed.story)
        else:
            digest = content_hash(file)
        if known is not None and known.content_hash == digest:
            return await self._imported(actor, Outcome.UNCHANGED, known, ())
        same = await self.shelves.with_content(digest, guild_id)
        if same is not None and (known is None or same.id != known.id):
            return await self._imported(actor, Outcome.ALREADY, same, ())
        if parsed is None:
            parsed = await self._parse(file)
        await self._check_room(guild_id, len(file.data), known)
        story = parsed.story
        record, created = await self.repository.save(
            story,
            source_path=source,
            source_format=parsed.format,
            content_hash=digest,
            slug=slugify(story.meta.title),
            now=self.clock.now(),
            guild_id=guild_id,
            source_url=url,
            size=len(file.data),
        )
        outcome = Outcome.ADDED if created else Outcome.UPDATED
        return await self._imported(actor, outcome, record, parsed.notices)

    @staticmethod
    async def _parse(file: StoryFile) -> ParsedStory:
        try:
            return await asyncio.to_thread(parse_story_file, file)  # a large file must not stall the bot
        except StoryFileError as exc:
            raise ImportRefused(f"`{echo(file.path.name)}` cannot be read: {exc}") from None

    async def _check_room(self, guild_id: int, size: int, replacing: StoryRecord | None) -> None:
        usage = await self.shelves.usage(guild_id)
        stories = usage.stories + (0 if replacing else 1)
        total = usage.bytes + size - (await self.shelves.size_of(replacing.id) if replacing else 0)
        if stories > self.limits.max_stories:
            raise ImportRefused(
                f"This server's shelf is full: {usage.stories} of {self.limits.max_stories} stories. "
                "Remove one with `/remove` first."
            )
        if total > self.limits.max_bytes:
            raise ImportRefused(
                f"This server's shelf has room for {megabytes(self.limits.max_bytes)} of stories and holds "
                f"{megabytes(usage.bytes)}; this one needs {megabytes(size)}. Remove one with `/remove` first."
            )

    async def _imported(self, actor: Actor, outcome: str, record: StoryRecord, notices: tuple[str, ...]) -> Imported:
        minutes = self.catalog.installment_minutes
        installments = len(await self.catalog.installments(record, minutes))
        card = await self.stories.card(actor, record)
        usage = await self.shelves.usage(actor.guild_id or 0)
        return Imported(outcome, card, installments, minutes, notices, usage, self.limits)


_HEADLINES = {
    Outcome.ADDED: "📗 Added {title} to this server's shelf.",
    Outcome.UPDATED: "📗 Updated {title} on this server's shelf: same slug, its readings carry on.",
    Outcome.UNCHANGED: "{title} is on this server's shelf already, unchanged since the last import.",
    Outcome.ALREADY: "{title} has exactly this content already ({where}): nothing was added.",
}


def imported_text(imported: Imported, strong: Callable[[str], str] = str) -> str:
    """What /import says above the story card, in the words both front ends use."""
    record = imported.record
    where = "in the shared library" if record.guild_id is None else "on this server's shelf"
    lines = [_HEADLINES[imported.outcome].format(title=strong(record.title), where=where)]
    pace = f"{imported.minutes:g} reading minutes each"
    lines.append(f"{imported.installments} installment{'s' * (imported.installments != 1)} at {pace}.")
    if record.meta.in_progress:
        lines.append("A work in progress: import the same link again (or `python -m bot update`) for new chapters.")
    lines.extend(f"Note: {notice}" for notice in imported.notices[:3])
    usage, limits = imported.usage, imported.limits
    room = f"{megabytes(usage.bytes)} of {megabytes(limits.max_bytes)}"
    lines.append(f"Shelf: {usage.stories} of {limits.max_stories} stories, {room}.")
    return "\n".join(lines)


def removed_text(removed: Removed, strong: Callable[[str], str] = str) -> str:
    ended = []
    if removed.readings_ended:
        ended.append(f"{removed.readings_ended} live reading{'s' * (removed.readings_ended != 1)}")
    if removed.serials_ended:
        ended.append(f"{removed.serials_ended} serial{'s' * (removed.serials_ended != 1)}")
    tail = f" Ended {' and '.join(ended)}, each with a notice in its channel." if ended else ""
    return (
        f"📕 Removed {strong(removed.title)} from this server's shelf.{tail} "
        "Its reactions and feedback stay for the author's export."
    )


_UNSAFE = re.compile(r"[^\w.\- ()\[\]]+")


def safe_filename(name: str) -> str:
    """A file name as it is kept: its last part only, without control or path characters, at most 120 long."""
    base = PurePath(name.replace("\\", "/")).name.strip() or "story"
    cleaned = _UNSAFE.sub("_", base)
    stem, dot, suffix = cleaned.rpartition(".")
    if not dot:
        return cleaned[:120]
    return f"{stem[: 119 - len(suffix)]}.{suffix}"


def megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 100 * 1024 else f"{max(1, round(size / 1024))} KB"

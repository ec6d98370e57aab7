"""Stories that enter the library one at a time: an upload or a link, onto a server's shelf or the
shared library, and refreshing every linked story.

This is the part of ``/import`` that needs no member and no readings, so the operator's command
line (``python -m bot import URL``, ``python -m bot update``) uses it as the Discord command does.
``guild_id`` ``None`` is the shared library: no quota applies there, since only the operator adds
to it.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import PurePath

from bot.app.ports import ServicesPort
from bot.core.errors import FetchUnavailable, ImportRefused, StoryFileError, StorytellerError, echo
from bot.core.models import Story, StoryRecord
from bot.core.slugs import slugify
from bot.core.wording import counted
from bot.library.fetch import checked_url
from bot.library.importer import content_hash, story_digest
from bot.library.loader import STORY_SUFFIXES, StoryFile, parse_story_file
from bot.library.parsed import ParsedStory
from bot.reading.ports import Clock
from bot.store.shelves import LinkedStory, ShelfUsage

Progress = Callable[[str], Awaitable[None]]


class Outcome:
    ADDED = "added"
    UPDATED = "updated"
    UNCHANGED = "unchanged"  # the same file or link again, with nothing new
    ALREADY = "already"  # the same content is already in the library this shelf sees


@dataclass(frozen=True, slots=True)
class Saved:
    outcome: str
    record: StoryRecord
    notices: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Refreshed:
    """One linked story after ``python -m bot update``: saved, or why not."""

    slug: str
    guild_id: int | None
    url: str
    saved: Saved | None
    problem: str = ""

    def line(self) -> str:
        shelf = "shared" if self.guild_id is None else f"server {self.guild_id}"
        if self.saved is None:
            return f"✗ {self.slug} ({shelf}): {self.problem}"
        mark = "✓" if self.saved.outcome in (Outcome.ADDED, Outcome.UPDATED) else "·"
        return (
            f"{mark} {self.slug} ({shelf}): {self.saved.outcome}, {counted(self.saved.record.chapter_count, 'chapter')}"
        )


class Intake:
    def __init__(self, services: ServicesPort, clock: Clock) -> None:
        self.repository = services.stories
        self.shelves = services.shelves
        self.limits = services.shelf_limits
        self.fetcher = services.fetcher
        self.clock = clock
        self._locks: dict[int | None, asyncio.Lock] = {}

    def check_file(self, name: str, size: int) -> None:
        """A file's name and size, before anything of it is read."""
        if PurePath(name).suffix.lower() not in STORY_SUFFIXES:
            readable = ", ".join(sorted(STORY_SUFFIXES))
            raise ImportRefused(f"`{echo(name)}` is not a story file Storyteller reads ({readable}).")
        self._check_size(f"`{echo(name)}`", size)

    def _check_size(self, what: str, size: int) -> None:
        if size > self.limits.max_file_bytes:
            raise ImportRefused(
                f"{what} is {megabytes(size)}; stories added from Discord or a link may be at most "
                f"{megabytes(self.limits.max_file_bytes)}."
            )

    async def file(self, guild_id: int | None, filename: str, data: bytes, *, rating: str | None = None) -> Saved:
        name = safe_filename(filename)
        self.check_file(name, len(data))
        return await self._save(guild_id, StoryFile(PurePath(name), data, None, None), "", rating)

    async def link(
        self, guild_id: int | None, url: str, progress: Progress | None = None, *, rating: str | None = None
    ) -> Saved:
        """A story page on a site FanFicFare knows, fetched in its own process."""
        if not self.fetcher.available:
            raise FetchUnavailable()
        url = checked_url(url)  # refused before anything is said to be fetched
        if guild_id is not None and await self.shelves.from_source(url, guild_id) is None:
            self._refuse_if_full(guild_id, await self.shelves.usage(guild_id))  # a fetch can take minutes
        if progress:
            await progress(f"Fetching <{echo(url, 200)}>… this can take a minute.")
        canonical, file = await self._fetch(url)
        if progress:
            await progress("Fetched. Reading the story…")
        return await self._save(guild_id, file, canonical, rating)

    async def _fetch(self, url: str) -> tuple[str, StoryFile]:
        """The story's canonical address, as FanFicFare gives it, and its file."""
        if not self.fetcher.available:
            raise FetchUnavailable()
        fetched = await self.fetcher(url)
        self._check_size(f"<{echo(fetched.url, 200)}>", len(fetched.data))
        return fetched.url, StoryFile(PurePath(safe_filename(fetched.filename)), fetched.data, None, None)

    async def refresh_links(self, progress: Callable[[Refreshed], None] | None = None) -> list[Refreshed]:
        """Fetch every linked story on every shelf again; new chapters appear in place.

        A link held by several shelves (the shared library, servers) is fetched once for all of
        them. One link that fails (gone, unreachable, over the limit) is reported and the rest go on.
        """
        by_url: dict[str, list[LinkedStory]] = {}
        for linked in await self.shelves.linked():
            by_url.setdefault(linked.source_url, []).append(linked)
        results = []
        for url, copies in by_url.items():
            for result in await self._refresh(url, copies):
                results.append(result)
                if progress:
                    progress(result)
        return results

    async def _refresh(self, url: str, copies: list[LinkedStory]) -> list[Refreshed]:
        try:
            canonical, file = await self._fetch(url)
        except StorytellerError as exc:
            return [Refreshed(c.slug, c.guild_id, url, None, str(exc)) for c in copies]
        results = []
        for copy in copies:
            try:
                results.append(
                    Refreshed(copy.slug, copy.guild_id, url, await self._save(copy.guild_id, file, canonical))
                )
            except StorytellerError as exc:
                results.append(Refreshed(copy.slug, copy.guild_id, url, None, str(exc)))
        return results

    async def _save(self, guild_id: int | None, file: StoryFile, url: str, rating: str | None = None) -> Saved:
        """Add the story, or update the one from the same link, or from a file of the same name and title.

        A file is known by its name and its story's title together: ``story.txt`` is a common name
        for different stories, and an upload must never replace another story. A link's story is
        known by what it says (metadata and chapters): the fetched file also carries the time
        FanFicFare packaged it, so its bytes differ at every fetch.
        """
        parsed = await _parse(file)
        story, notices = given_rating(parsed.story, rating)
        source = url or f"{slugify(story.meta.title)}/{file.path.name}"
        digest = story_digest(story) if url else content_hash(file)
        if story is not parsed.story:  # the same file rated another way is another version of it
            digest += f"+rating:{story.meta.rating_raw}"
        async with self._locks.setdefault(guild_id, asyncio.Lock()):  # check and save as one, per shelf
            known = await self.shelves.from_source(source, guild_id)
            if known is not None and known.content_hash == digest:
                return Saved(Outcome.UNCHANGED, known, ())
            if known is None:
                same = await self.shelves.with_content(digest, guild_id)
                if same is not None:
                    return Saved(Outcome.ALREADY, same, ())
            if guild_id is not None:
                await self._check_room(guild_id, len(file.data), known)
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
        return Saved(Outcome.ADDED if created else Outcome.UPDATED, record, (*notices, *parsed.notices))

    async def _check_room(self, guild_id: int, size: int, replacing: StoryRecord | None) -> None:
        usage = await self.shelves.usage(guild_id)
        total = usage.bytes + size - (await self.shelves.size_of(replacing.id) if replacing else 0)
        if replacing is None:
            self._refuse_if_full(guild_id, usage)
        if total > self.limits.max_bytes:
            raise ImportRefused(
                f"This server's shelf has room for {megabytes(self.limits.max_bytes)} of stories and holds "
                f"{megabytes(usage.bytes)}; this one needs {megabytes(size)}. Remove one with `/remove` first."
            )

    def _refuse_if_full(self, guild_id: int, usage: ShelfUsage) -> None:
        if usage.stories >= self.limits.max_stories:
            raise ImportRefused(
                f"This server's shelf is full: {usage.stories} of {self.limits.max_stories} stories. "
                "Remove one with `/remove` first."
            )


def given_rating(story: Story, rating: str | None) -> tuple[Story, tuple[str, ...]]:
    """The story with the admin's rating when its file gives none; and what to tell them about it."""
    if not rating:
        return story, ()
    own = story.meta.rating_raw.strip()
    if own:
        return story, (f"The file rates it `{echo(own, 40)}`, which stands; `rating` is for files without one.",)
    rated = replace(story, meta=replace(story.meta, rating_raw=rating))
    return rated, (f"The file gives no rating: rated {rating}, as you chose.",)


async def _parse(file: StoryFile) -> ParsedStory:
    try:
        return await asyncio.to_thread(parse_story_file, file)  # a large file must not stall the bot
    except StoryFileError as exc:
        raise ImportRefused(f"`{echo(file.path.name)}` cannot be read: {exc}") from None


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

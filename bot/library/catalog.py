"""Finding stories the way people ask for them, and turning them into installments."""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Iterable
from functools import partial
from typing import Any

from rapidfuzz import fuzz, process, utils

from bot.core.errors import StoryNotFound
from bot.core.installments import Installment, cut_installments
from bot.core.models import Chapter, StoryRecord
from bot.store.stories import StoryRepository

TITLE_CACHES = 64  # servers whose title lists are kept (the shared library's among them)
THREAD_THRESHOLD = 200_000  # characters of story text above which cutting runs in a worker thread


def story_chars(chapters: Iterable[Chapter]) -> int:
    """The characters of a story's text, without building it."""
    return sum(len(block) for chapter in chapters for block in chapter.blocks)


class Catalog:
    """Story lookup by slug, title or near miss, over the story repository."""

    def __init__(self, stories: StoryRepository, *, words_per_minute: int, installment_minutes: float) -> None:
        self.stories = stories
        self.words_per_minute = words_per_minute
        self.installment_minutes = installment_minutes
        # Titles by slug as each server sees the library, for as long as the library is unchanged.
        self._title_cache: OrderedDict[int | None, tuple[tuple[int, str], dict[str, str]]] = OrderedDict()

    async def find(self, query: str, guild_id: int | None = None) -> StoryRecord:
        """The story named by ``query`` as a server sees the library (its own shelf and the shared
        stories): a slug, a title, or the one clear search hit. Without a server, the shared library."""
        query = query.strip()
        record = await self.stories.by_slug(query, guild_id=guild_id)
        if record is not None:
            return record
        hits = await self.stories.search(query, limit=5, guild_id=guild_id)
        exact = [r for r in hits if r.title.casefold() == query.casefold()]
        if exact:
            return exact[0]
        if len(hits) == 1:
            return hits[0]
        raise StoryNotFound(query, await self.suggest(query, guild_id=guild_id))

    async def suggest(self, query: str, limit: int = 3, *, guild_id: int | None = None) -> list[str]:
        """Slugs of the stories whose titles are closest to ``query`` (typos included)."""
        titles = await self._titles(guild_id)
        if not query.strip() or not titles:
            return []
        found = process.extract(
            query, titles, scorer=fuzz.WRatio, processor=utils.default_process, limit=limit, score_cutoff=60
        )
        return [slug for _title, _score, slug in found]

    async def warm(self) -> None:
        """Load the title cache now, so the first reader's autocomplete does not pay for it."""
        await self._titles(None)

    async def _titles(self, guild_id: int | None) -> dict[str, str]:
        """Every title by slug as the server sees the library, cached until the library changes."""
        version = await self.stories.library_version()
        cached = self._title_cache.get(guild_id)
        if cached is None or cached[0] != version:
            cached = (version, await self.stories.titles(guild_id=guild_id))
            self._title_cache[guild_id] = cached
            while len(self._title_cache) > TITLE_CACHES:
                self._title_cache.popitem(last=False)
        self._title_cache.move_to_end(guild_id)
        return cached[1]

    async def complete(self, typed: str, *, limit: int = 25, guild_id: int | None = None) -> list[tuple[str, str]]:
        """(slug, title) suggestions as a reader types: title starts, then any field, then typos."""
        if not typed.strip():
            return await self.stories.first_titles(limit=limit, guild_id=guild_id)
        found = dict(await self.stories.title_matches(typed, limit=limit, guild_id=guild_id))
        if len(found) < limit:
            for record in await self.stories.search(typed, limit=limit, guild_id=guild_id):
                found.setdefault(record.slug, record.title)
        if len(found) < 5:
            titles = await self._titles(guild_id)
            for slug in await self.suggest(typed, limit=5, guild_id=guild_id):
                found.setdefault(slug, titles[slug])
        return list(found.items())[:limit]

    async def installments(self, record: StoryRecord, minutes: float | None = None) -> list[Installment]:
        """The story cut into installments; a long story is cut in a worker thread.

        Cutting is linear, but a story of tens of megabytes still takes a second or
        two, which must not hold up the event loop (and with it the Discord
        connection): above :data:`THREAD_THRESHOLD` characters the cut runs in a thread.
        """
        chapters = await self.stories.chapters(record.id)
        cut = partial(
            cut_installments,
            chapters,
            minutes=minutes or self.installment_minutes,
            words_per_minute=self.words_per_minute,
        )
        if story_chars(chapters) > THREAD_THRESHOLD:
            return await asyncio.to_thread(cut)
        return cut()

    def describe(self, record: StoryRecord) -> dict[str, Any]:
        """The story as plain data: what ``stories --json`` prints and cards are drawn from."""
        meta, rating = record.meta, record.rating
        return {
            "slug": record.slug,
            "title": meta.title,
            "author": meta.author,
            "fandom": meta.fandom,
            "rating": rating.level.value,
            "rating_raw": rating.raw,
            "rating_recognised": rating.recognised,
            "warnings": list(rating.warnings),
            "words": record.words,
            "chapters": record.chapter_count,
            "reading_minutes": record.reading_minutes(self.words_per_minute),
            "summary": meta.summary,
            "status": meta.status,
            "servable": rating.servable,
            "refusal": rating.refusal,
            "tags": list(meta.tags),
            "characters": list(meta.characters),
            "relationships": list(meta.relationships),
            "language": meta.language,
            "disclaimer": meta.disclaimer,
            "feedback": meta.feedback,
            "source_path": record.source_path,
            "source_url": record.source_url,
            "shelf": "shared" if record.guild_id is None else str(record.guild_id),
        }

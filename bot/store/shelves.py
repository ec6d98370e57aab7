"""Server shelves: what a server has added itself, how much room it takes, and taking it away.

Saving and finding stories stays in :mod:`bot.store.stories` (``guild_id`` picks the shelf);
this module holds what only shelves and linked stories need.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core.models import StoryRecord
from bot.store.database import Database
from bot.store.stories import StoryRepository


@dataclass(frozen=True, slots=True)
class ShelfUsage:
    stories: int
    bytes: int


@dataclass(frozen=True, slots=True)
class LinkedStory:
    """A story imported from a link: where to fetch it again, and which shelf it is on."""

    story_id: int
    slug: str
    guild_id: int | None
    source_url: str
    content_hash: str


class ShelfRepository:
    def __init__(self, db: Database, stories: StoryRepository) -> None:
        self.db = db
        self.stories = stories

    async def usage(self, guild_id: int) -> ShelfUsage:
        row = await self.db.fetchone(
            "SELECT count(*), coalesce(sum(bytes), 0) FROM stories WHERE guild_id = ? AND removed_at IS NULL",
            (guild_id,),
        )
        return ShelfUsage(int(row[0]), int(row[1])) if row else ShelfUsage(0, 0)

    async def size_of(self, story_id: int) -> int:
        row = await self.db.fetchone("SELECT bytes FROM stories WHERE id = ?", (story_id,))
        return int(row[0]) if row else 0

    async def with_content(self, content_hash: str, guild_id: int | None) -> StoryRecord | None:
        """A story the server already sees with exactly this content: its own first, then a shared one."""
        row = await self.db.fetchone(
            "SELECT id FROM stories WHERE content_hash = ? AND removed_at IS NULL "
            "AND (guild_id IS NOT DISTINCT FROM ? OR guild_id IS NULL) ORDER BY guild_id IS NULL LIMIT 1",
            (content_hash, guild_id),
        )
        return None if row is None else await self.stories.by_id(int(row[0]))

    async def from_source(self, source_path: str, guild_id: int | None) -> StoryRecord | None:
        """The story on this shelf imported from ``source_path`` (a file name or a link), if any."""
        row = await self.db.fetchone(
            "SELECT id FROM stories WHERE source_path = ? AND guild_id IS NOT DISTINCT FROM ? AND removed_at IS NULL",
            (source_path, guild_id),
        )
        return None if row is None else await self.stories.by_id(int(row[0]))

    async def remove(self, story_id: int, now: datetime) -> bool:
        """Take a story off its shelf: its text goes, its row (title, metadata) stays for the
        author's export with the reactions and feedback that point at it. False if already gone."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE stories SET removed_at = ?, updated_at = ? WHERE id = ? AND removed_at IS NULL",
                (now.isoformat(), now.isoformat(), story_id),
            )
            if cursor.rowcount == 0:
                return False
            await conn.execute("DELETE FROM chapters WHERE story_id = ?", (story_id,))
            await conn.execute(self.db.dialect.search.delete_sql(), (story_id,))
        return True

    async def own(self, guild_id: int, typed: str = "", limit: int = 25) -> list[tuple[str, str]]:
        """(slug, title) of a server's own stories whose slug or title holds ``typed``, by title."""
        pattern = "%" + typed.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = await self.db.fetchall(
            "SELECT slug, title FROM stories WHERE guild_id = ? AND removed_at IS NULL "
            "AND (slug LIKE ? ESCAPE '\\' OR lower(title) LIKE ? ESCAPE '\\') ORDER BY lower(title) LIMIT ?",
            (guild_id, pattern, pattern, limit),
        )
        return [(str(r[0]), str(r[1])) for r in rows]

    async def own_named(self, guild_id: int, name: str) -> StoryRecord | None:
        """A server's own story by its exact slug or title (any case): what /remove acts on."""
        row = await self.db.fetchone(
            "SELECT id FROM stories WHERE guild_id = ? AND removed_at IS NULL "
            "AND (slug = ? OR lower(title) = lower(?)) ORDER BY slug = ? DESC LIMIT 1",
            (guild_id, name.strip().lower(), name.strip(), name.strip().lower()),
        )
        return None if row is None else await self.stories.by_id(int(row[0]))

    async def removed(self, slug: str, guild_id: int) -> StoryRecord | None:
        """The story a server removed most recently under this slug: the author's export still needs it."""
        row = await self.db.fetchone(
            "SELECT id FROM stories WHERE slug = ? AND guild_id = ? AND removed_at IS NOT NULL "
            "ORDER BY removed_at DESC, id DESC LIMIT 1",
            (slug.strip().lower(), guild_id),
        )
        return None if row is None else await self.stories.by_id(int(row[0]), removed_too=True)

    async def linked(self) -> list[LinkedStory]:
        """Every story on any shelf that came from a link, for ``python -m bot update``."""
        rows = await self.db.fetchall(
            "SELECT id, slug, guild_id, source_url, content_hash FROM stories "
            "WHERE source_url != '' AND removed_at IS NULL ORDER BY id"
        )
        return [LinkedStory(int(r[0]), str(r[1]), r[2], str(r[3]), str(r[4])) for r in rows]

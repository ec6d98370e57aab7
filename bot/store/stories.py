"""The story library's tables: saving imported stories, finding them, reading them back."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, fields
from datetime import datetime

import aiosqlite

from bot.core.models import Chapter, Story, StoryMeta, StoryRecord
from bot.core.ratings import ContentRating
from bot.core.slugs import unique_slug
from bot.store.database import Database

_COLUMNS = ("id", "slug", "meta", "words", "chapter_count", "source_path", "content_hash")
_RECORD_COLUMNS = ", ".join(_COLUMNS)
_JOINED_COLUMNS = ", ".join(f"s.{c}" for c in _COLUMNS)


class StoryRepository:
    """Stories in SQLite; returns core types, never rows."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def slug_for_path(self, source_path: str) -> str | None:
        row = await self.db.fetchone("SELECT slug FROM stories WHERE source_path = ?", (source_path,))
        return None if row is None else str(row["slug"])

    async def hashes(self) -> dict[str, str]:
        """Every story's content hash by source path, for skipping unchanged files in one query."""
        rows = await self.db.fetchall("SELECT source_path, content_hash FROM stories")
        return {str(r["source_path"]): str(r["content_hash"]) for r in rows}

    async def save(
        self,
        story: Story,
        *,
        source_path: str,
        source_format: str,
        content_hash: str,
        slug: str,
        now: datetime,
    ) -> tuple[StoryRecord, bool]:
        """Insert or update the story read from ``source_path``, atomically.

        A story already imported from the same path keeps its id and slug (unless
        its sidecar names a new slug). Returns the record and whether it was new.
        """
        async with self.db.transaction() as conn:
            existing = await _one(conn, "SELECT id, slug FROM stories WHERE source_path = ?", (source_path,))
            wanted = story.meta.slug or (existing["slug"] if existing else slug)
            if existing is None or wanted != existing["slug"]:
                wanted = await _free_slug(conn, wanted, None if existing is None else existing["id"])
            rating = story.meta.rating
            values = {
                "slug": wanted,
                "title": story.meta.title,
                "author": story.meta.author,
                "fandom": story.meta.fandom,
                "rating": rating.level.value,
                "rating_raw": rating.raw,
                "summary": story.meta.summary,
                "status": story.meta.status,
                "servable": int(rating.servable),
                "words": story.words,
                "chapter_count": len(story.chapters),
                "meta": json.dumps(asdict(story.meta), ensure_ascii=False),
                "source_path": source_path,
                "source_format": source_format,
                "content_hash": content_hash,
                "updated_at": now.isoformat(),
            }
            if existing is None:
                values["imported_at"] = now.isoformat()
                columns = ", ".join(values)
                marks = ", ".join("?" for _ in values)
                cursor = await conn.execute(
                    f"INSERT INTO stories ({columns}) VALUES ({marks})", tuple(values.values())
                )
                story_id = int(cursor.lastrowid or 0)
            else:
                story_id = int(existing["id"])
                assignments = ", ".join(f"{k} = ?" for k in values)
                await conn.execute(
                    f"UPDATE stories SET {assignments} WHERE id = ?", (*values.values(), story_id)
                )
                for table in ("chapters", "story_tags"):
                    await conn.execute(f"DELETE FROM {table} WHERE story_id = ?", (story_id,))
                await conn.execute("DELETE FROM story_search WHERE rowid = ?", (story_id,))
            await conn.executemany(
                "INSERT INTO chapters (story_id, number, title, body, words) VALUES (?, ?, ?, ?, ?)",
                [(story_id, n, c.title, c.text, c.words) for n, c in enumerate(story.chapters, 1)],
            )
            tags = _tag_rows(story_id, story.meta, rating)
            await conn.executemany(
                "INSERT OR IGNORE INTO story_tags (story_id, kind, tag) VALUES (?, ?, ?)", tags
            )
            await conn.execute(
                "INSERT INTO story_search (rowid, title, author, fandom, tags, summary) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    story_id,
                    story.meta.title,
                    story.meta.author,
                    story.meta.fandom,
                    " ".join(tag for _, _, tag in tags),
                    story.meta.summary,
                ),
            )
        record = await self.by_id(story_id)
        assert record is not None
        return record, existing is None

    async def by_id(self, story_id: int) -> StoryRecord | None:
        row = await self.db.fetchone(f"SELECT {_RECORD_COLUMNS} FROM stories WHERE id = ?", (story_id,))
        return None if row is None else _record(row)

    async def by_slug(self, slug: str) -> StoryRecord | None:
        row = await self.db.fetchone(
            f"SELECT {_RECORD_COLUMNS} FROM stories WHERE slug = ?", (slug.strip().lower(),)
        )
        return None if row is None else _record(row)

    async def all(self) -> list[StoryRecord]:
        rows = await self.db.fetchall(
            f"SELECT {_RECORD_COLUMNS} FROM stories ORDER BY title COLLATE NOCASE, id"
        )
        return [_record(r) for r in rows]

    async def titles(self) -> dict[str, str]:
        """Every title by slug, for fuzzy matching of near misses."""
        rows = await self.db.fetchall("SELECT slug, title FROM stories")
        return {str(r["slug"]): str(r["title"]) for r in rows}

    async def count(self) -> int:
        row = await self.db.fetchone("SELECT count(*) FROM stories")
        return 0 if row is None else int(row[0])

    async def chapters(self, story_id: int) -> tuple[Chapter, ...]:
        rows = await self.db.fetchall(
            "SELECT title, body FROM chapters WHERE story_id = ? ORDER BY number", (story_id,)
        )
        return tuple(Chapter.from_text(str(r["title"]), str(r["body"])) for r in rows)

    async def search(self, query: str, *, limit: int = 25) -> list[StoryRecord]:
        """Stories matching every word of ``query`` (as prefixes) in any searchable field."""
        match = fts_prefix_query(query)
        if match is None:
            return []
        rows = await self.db.fetchall(
            f"SELECT {_JOINED_COLUMNS} "
            "FROM story_search JOIN stories s ON s.id = story_search.rowid "
            "WHERE story_search MATCH ? ORDER BY bm25(story_search, 10.0, 4.0, 3.0, 2.0, 1.0), "
            "s.title COLLATE NOCASE LIMIT ?",
            (match, limit),
        )
        return [_record(r) for r in rows]

    async def title_matches(self, query: str, *, limit: int = 25) -> list[tuple[str, str]]:
        """(slug, title) of stories whose title words start with the typed words: autocomplete."""
        match = fts_prefix_query(query, column="title")
        if match is None:
            return []
        rows = await self.db.fetchall(
            "SELECT s.slug, s.title FROM story_search JOIN stories s ON s.id = story_search.rowid "
            "WHERE story_search MATCH ? ORDER BY rank LIMIT ?",
            (match, limit),
        )
        return [(str(r["slug"]), str(r["title"])) for r in rows]


def fts_prefix_query(text: str, *, column: str | None = None) -> str | None:
    """An FTS5 query where every typed word must appear as a prefix; ``None`` if no words."""
    words = re.findall(r"\w+", text.lower())
    if not words:
        return None
    terms = " ".join(f'"{w}"*' for w in words)
    return f"{column} : ({terms})" if column else terms


async def _one(conn: aiosqlite.Connection, sql: str, params: tuple[object, ...]) -> aiosqlite.Row | None:
    async with conn.execute(sql, params) as cursor:
        return await cursor.fetchone()


async def _free_slug(conn: aiosqlite.Connection, base: str, own_id: int | None) -> str:
    async with conn.execute(
        "SELECT slug FROM stories WHERE (slug = ? OR slug LIKE ?) AND id IS NOT ?",
        (base, f"{base}-%", own_id),
    ) as cursor:
        taken = {str(r[0]) for r in await cursor.fetchall()}
    return unique_slug(base, taken)


def _tag_rows(story_id: int, meta: StoryMeta, rating: ContentRating) -> list[tuple[int, str, str]]:
    rows = [(story_id, "warning", w) for w in rating.warnings]
    rows += [(story_id, "tag", t) for t in meta.tags]
    rows += [(story_id, "character", c) for c in meta.characters]
    rows += [(story_id, "relationship", r) for r in meta.relationships]
    return rows


_META_FIELDS = {f.name for f in fields(StoryMeta)}
_TUPLE_FIELDS = {"warnings", "tags", "characters", "relationships"}


def _meta(raw: str) -> StoryMeta:
    data = json.loads(raw)
    kwargs = {k: (tuple(v) if k in _TUPLE_FIELDS else v) for k, v in data.items() if k in _META_FIELDS}
    return StoryMeta(**kwargs)


def _record(row: aiosqlite.Row) -> StoryRecord:
    meta = _meta(str(row["meta"]))
    return StoryRecord(
        id=int(row["id"]),
        slug=str(row["slug"]),
        meta=meta,
        words=int(row["words"]),
        chapter_count=int(row["chapter_count"]),
        source_path=str(row["source_path"]),
        content_hash=str(row["content_hash"]),
        rating=meta.rating,
    )

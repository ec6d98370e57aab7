"""The story library's tables: saving imported stories, finding them, reading them back."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, fields
from datetime import datetime

import aiosqlite

from bot.core.models import Chapter, Story, StoryMeta, StoryRecord
from bot.core.ratings import ContentRating
from bot.core.slugs import search_key, slugify, unique_slug
from bot.store.database import Database

_COLUMNS = ("id", "slug", "meta", "words", "chapter_count", "source_path", "content_hash")
_RECORD_COLUMNS = ", ".join(_COLUMNS)
_JOINED_COLUMNS = ", ".join(f"s.{c}" for c in _COLUMNS)


class StoryRepository:
    """Stories in SQLite; returns core types, never rows."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def known_files(self) -> dict[str, tuple[str, str]]:
        """(content hash, slug) by source path, so unchanged files are skipped without a query each."""
        rows = await self.db.fetchall("SELECT source_path, content_hash, slug FROM stories")
        return {str(r["source_path"]): (str(r["content_hash"]), str(r["slug"])) for r in rows}

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
            values = _story_values(story, wanted, source_path, source_format, content_hash, now)
            if existing is None:
                values["imported_at"] = now.isoformat()
                cursor = await conn.execute(_insert_sql("stories", values), tuple(values.values()))
                story_id = int(cursor.lastrowid or 0)
            else:
                story_id = int(existing["id"])
                assignments = ", ".join(f"{k} = ?" for k in values)
                await conn.execute(f"UPDATE stories SET {assignments} WHERE id = ?", (*values.values(), story_id))
                for table in ("chapters", "story_tags"):
                    await conn.execute(f"DELETE FROM {table} WHERE story_id = ?", (story_id,))
                await conn.execute("DELETE FROM story_search WHERE rowid = ?", (story_id,))
            await _insert_children(conn, [(story_id, story)])
        record = await self.by_id(story_id)
        assert record is not None
        return record, existing is None

    async def add_many(self, stories: list[tuple[Story, str]], *, source_format: str, now: datetime) -> None:
        """Add new stories, given with their source paths, in one transaction.

        For building large libraries at once (benchmarks, first imports of big
        collections): slugs are made unique, nothing existing is updated.
        """
        async with self.db.transaction() as conn:
            top = await _one(conn, "SELECT coalesce(max(id), 0) FROM stories", ())
            taken = {str(r[0]) for r in await conn.execute_fetchall("SELECT slug FROM stories")}
            rows, children = [], []
            for offset, (story, source_path) in enumerate(stories, start=1):
                story_id = int(top[0] if top else 0) + offset
                slug = unique_slug(story.meta.slug or slugify(story.meta.title), taken)
                taken.add(slug)
                values = _story_values(story, slug, source_path, source_format, "", now)
                values.update(id=story_id, imported_at=now.isoformat())
                rows.append(values)
                children.append((story_id, story))
            if rows:
                await conn.executemany(_insert_sql("stories", rows[0]), [tuple(v.values()) for v in rows])
                await _insert_children(conn, children)

    async def by_id(self, story_id: int) -> StoryRecord | None:
        row = await self.db.fetchone(f"SELECT {_RECORD_COLUMNS} FROM stories WHERE id = ?", (story_id,))
        return None if row is None else _record(row)

    async def by_slug(self, slug: str) -> StoryRecord | None:
        row = await self.db.fetchone(f"SELECT {_RECORD_COLUMNS} FROM stories WHERE slug = ?", (slug.strip().lower(),))
        return None if row is None else _record(row)

    async def all(self) -> list[StoryRecord]:
        rows = await self.db.fetchall(f"SELECT {_RECORD_COLUMNS} FROM stories ORDER BY title COLLATE NOCASE, id")
        return [_record(r) for r in rows]

    async def browse(
        self, *, search: str = "", fandom: str = "", rating: str = "", offset: int = 0, limit: int = 10
    ) -> tuple[list[StoryRecord], int]:
        """A page of the library, filtered, and how many stories match in all."""
        where, params = [], []
        match = fts_prefix_query(search)
        if match is not None:
            where.append("s.id IN (SELECT rowid FROM story_search WHERE story_search MATCH ?)")
            params.append(match)
        if fandom.strip():
            where.append("s.fandom LIKE ? ESCAPE '\\'")
            params.append("%" + fandom.strip().replace("%", "\\%").replace("_", "\\_") + "%")
        if rating:
            where.append("s.rating = ?")
            params.append(rating)
        clause = f"WHERE {' AND '.join(where)}" if where else ""
        total_row = await self.db.fetchone(f"SELECT count(*) FROM stories s {clause}", params)
        rows = await self.db.fetchall(
            f"SELECT {_JOINED_COLUMNS} FROM stories s {clause} ORDER BY s.title_key, s.id LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [_record(r) for r in rows], int(total_row[0]) if total_row else 0

    async def fandoms(self, prefix: str = "", *, limit: int = 25) -> list[str]:
        rows = await self.db.fetchall(
            "SELECT fandom FROM stories WHERE fandom != '' AND fandom LIKE ? "
            "GROUP BY fandom ORDER BY count(*) DESC, fandom LIMIT ?",
            (f"%{prefix.strip()}%", limit),
        )
        return [str(r[0]) for r in rows]

    async def library_version(self) -> tuple[int, str]:
        """Changes whenever a story is added, changed or removed: for caches over the library."""
        row = await self.db.fetchone("SELECT count(*), coalesce(max(updated_at), '') FROM stories")
        return (int(row[0]), str(row[1])) if row else (0, "")

    async def first_titles(self, *, limit: int = 25) -> list[tuple[str, str]]:
        rows = await self.db.fetchall("SELECT slug, title FROM stories ORDER BY title_key LIMIT ?", (limit,))
        return [(str(r["slug"]), str(r["title"])) for r in rows]

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
        """(slug, title) for as-you-type lookups: titles starting with the text, then word matches.

        Both halves stop at ``limit`` rows without ranking every match, so a two-letter
        prefix costs the same in a library of a hundred stories or a hundred thousand.
        """
        key = search_key(query)
        if not key:
            return []
        starts = await self.db.fetchall(
            "SELECT slug, title FROM stories WHERE title_key >= ? AND title_key < ? ORDER BY title_key LIMIT ?",
            (key, key + "\U0010ffff", limit),
        )
        found = {str(r["slug"]): str(r["title"]) for r in starts}
        match = fts_prefix_query(query, column="title")
        if len(found) < limit and match is not None:
            words = await self.db.fetchall(
                "SELECT s.slug, s.title FROM story_search JOIN stories s ON s.id = story_search.rowid "
                "WHERE story_search MATCH ? LIMIT ?",
                (match, limit + len(found)),
            )
            for row in words:
                if len(found) >= limit:
                    break
                found.setdefault(str(row["slug"]), str(row["title"]))
        return list(found.items())


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


def _story_values(
    story: Story, slug: str, source_path: str, source_format: str, content_hash: str, now: datetime
) -> dict[str, object]:
    rating = story.meta.rating
    return {
        "slug": slug,
        "title": story.meta.title,
        "title_key": search_key(story.meta.title),
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


def _insert_sql(table: str, values: dict[str, object]) -> str:
    return f"INSERT INTO {table} ({', '.join(values)}) VALUES ({', '.join('?' for _ in values)})"


async def _insert_children(conn: aiosqlite.Connection, stories: list[tuple[int, Story]]) -> None:
    """Chapters, tags and the search row of stories whose ``stories`` row exists."""
    chapters, tags, search = [], [], []
    for story_id, story in stories:
        chapters += [(story_id, n, c.title, c.text, c.words) for n, c in enumerate(story.chapters, 1)]
        story_tags = _tag_rows(story_id, story.meta, story.meta.rating)
        tags += story_tags
        meta = story.meta
        search.append(
            (
                story_id,
                meta.title,
                meta.author,
                meta.fandom,
                " ".join(t for _, _, t in story_tags),
                meta.summary,
            )
        )
    await conn.executemany(
        "INSERT INTO chapters (story_id, number, title, body, words) VALUES (?, ?, ?, ?, ?)", chapters
    )
    await conn.executemany("INSERT OR IGNORE INTO story_tags (story_id, kind, tag) VALUES (?, ?, ?)", tags)
    await conn.executemany(
        "INSERT INTO story_search (rowid, title, author, fandom, tags, summary) VALUES (?, ?, ?, ?, ?, ?)",
        search,
    )


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

"""The story library's tables: saving imported stories, finding them, reading them back."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, fields
from datetime import datetime

import aiosqlite

from bot.core.models import Chapter, Story, StoryMeta, StoryRecord
from bot.core.slugs import search_key, slugify, unique_slug
from bot.store.database import Database, Dialect, IntegrityError

_COLUMNS = ("id", "slug", "meta", "words", "chapter_count", "source_path", "content_hash", "guild_id", "source_url")
_RECORD_COLUMNS = ", ".join(_COLUMNS)
_JOINED_COLUMNS = ", ".join(f"s.{c}" for c in _COLUMNS)
_STAMP_COLUMNS = ("source_size", "source_mtime_ns", "sidecar_size", "sidecar_mtime_ns")

# What the importer saw of a story's file: (size, mtime_ns, sidecar size, sidecar mtime_ns).
# The sidecar's two are None when there is none; an mtime is None when it is not to be trusted.
Stamp = tuple[int, int | None, int | None, int | None]


@dataclass(frozen=True, slots=True)
class LibraryFile:
    """One story as the importer needs it: where it came from, its content hash and file stamp."""

    story_id: int
    slug: str
    source_path: str
    content_hash: str
    stamp: Stamp | None


@dataclass(frozen=True, slots=True)
class StoryRows:
    """A story as the rows that hold it, less its id, slug and source: pure Python, picklable.

    Built by :func:`story_rows` where the story was parsed (a worker process, for a large
    import), so the process that writes only writes.
    """

    values: dict[str, object]  # the ``stories`` columns the story itself decides
    chapters: list[tuple[int, str, str, int]]  # number, title, body, words
    tags: list[tuple[str, str]]  # kind, tag
    search: tuple[str, str, str, str, str]  # title, author, fandom, tags, summary
    slug: str  # the sidecar's slug, or ""

    def __reduce__(self) -> tuple[type[StoryRows], tuple[object, ...]]:
        # Sent back by parsing workers by the thousand: as constructor arguments, which load
        # several times faster than the slotted dataclass's own state (a loop over its fields).
        return StoryRows, (self.values, self.chapters, self.tags, self.search, self.slug)


@dataclass(frozen=True, slots=True)
class StoryVersion:
    """A parsed file to save: a new story, or a new version of ``story_id`` (slug ``current_slug``)."""

    rows: StoryRows
    source_path: str
    source_format: str
    content_hash: str
    slug: str  # for a new story with no sidecar slug: from the title
    stamp: Stamp | None = None
    story_id: int | None = None
    current_slug: str | None = None
    guild_id: int | None = None  # the server whose shelf it goes on; None: the shared library
    source_url: str = ""  # the page it was fetched from, for a linked story
    size: int | None = None  # bytes imported, for shelf quotas (the stamp's size when None)


@dataclass(frozen=True, slots=True)
class Saved:
    story_id: int
    slug: str
    created: bool


LARGE_STORY = 200_000  # characters; larger stories are turned into chapters in a worker thread


class StoryRepository:
    """Stories in SQLite; returns core types, never rows."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def library_files(self) -> list[LibraryFile]:
        """Every shared story file's source path, content hash and stamp: one query for a whole import.

        Stories on a server's shelf and stories from links are not files under ``stories/``.
        """
        rows = await self.db.fetchall(
            f"SELECT id, slug, source_path, content_hash, {', '.join(_STAMP_COLUMNS)} FROM stories "
            "WHERE guild_id IS NULL AND removed_at IS NULL AND source_url = ''"
        )
        return [
            LibraryFile(int(r[0]), str(r[1]), str(r[2]), str(r[3]), None if r[4] is None else (r[4], r[5], r[6], r[7]))
            for r in rows
        ]

    async def save_many(self, versions: list[StoryVersion], *, now: datetime) -> list[Saved | str]:
        """Save several stories in one transaction: what :meth:`save` does for each, in bulk.

        A new story takes its sidecar slug or ``slug``, made unique; a new version keeps its
        story's id and slug (unless its sidecar names another). Should the batch meet a
        conflict (another process wrote the same path or slug meanwhile), each story is saved
        on its own instead, and one that still fails gets the reason in place of its result.
        """
        if not versions:
            return []
        try:
            return await self._save_batch(versions, now)
        except IntegrityError:
            pass
        results: list[Saved | str] = []
        for v in versions:
            try:
                results.append(await self._save_one(v, now))
            except IntegrityError as exc:
                results.append(f"could not be saved: {exc}")
        return results

    async def _save_batch(self, versions: list[StoryVersion], now: datetime) -> list[Saved | str]:
        async with self.db.transaction() as conn:
            wanted = [v.rows.slug or (v.current_slug if v.story_id is not None else v.slug) for v in versions]
            fresh = {w for v, w in zip(versions, wanted, strict=True) if v.story_id is None or w != v.current_slug}
            taken = await _taken_slugs(self.db, conn, fresh, None)
            top = await _one(conn, "SELECT coalesce(max(id), 0) FROM stories", ())
            next_id = int(top[0] if top else 0) + 1
            results: list[Saved | str] = []
            inserts, updates, children = [], [], []
            for v, slug in zip(versions, wanted, strict=True):
                if v.story_id is None or slug != v.current_slug:
                    slug = unique_slug(slug, taken - {v.current_slug} if v.current_slug else taken)
                    taken.add(slug)
                values = _row_values(v, slug, now)
                if v.story_id is None:
                    story_id, next_id = next_id, next_id + 1
                    values.update(id=story_id, imported_at=now.isoformat())
                    inserts.append(values)
                else:
                    story_id = v.story_id
                    updates.append((values, story_id))
                children.append((story_id, v.rows))
                results.append(Saved(story_id, slug, v.story_id is None))
            if updates:
                assignments = ", ".join(f"{k} = ?" for k in updates[0][0])
                await conn.executemany(
                    f"UPDATE stories SET {assignments} WHERE id = ?", [(*u.values(), i) for u, i in updates]
                )
                ids = [(i,) for _, i in updates]
                for table in ("chapters", "story_tags"):
                    await conn.executemany(f"DELETE FROM {table} WHERE story_id = ?", ids)
                await conn.executemany(self.db.dialect.search.delete_sql(), ids)
            if inserts:
                await conn.executemany(_insert_sql("stories", inserts[0]), [tuple(v.values()) for v in inserts])
            await _insert_children(self.db, conn, children)
        return results

    async def update_sources(self, changes: list[tuple[int, str, Stamp | None]]) -> None:
        """Record where stories' files now are and their stamps: for moved and touched files."""
        if not changes:
            return
        async with self.db.transaction() as conn:
            await conn.executemany(
                f"UPDATE stories SET source_path = ?, {', '.join(f'{c} = ?' for c in _STAMP_COLUMNS)} WHERE id = ?",
                [(path, *_stamp_values(stamp), story_id) for story_id, path, stamp in changes],
            )

    async def save(
        self,
        story: Story,
        *,
        source_path: str,
        source_format: str,
        content_hash: str,
        slug: str,
        now: datetime,
        stamp: Stamp | None = None,
        guild_id: int | None = None,
        source_url: str = "",
        size: int | None = None,
    ) -> tuple[StoryRecord, bool]:
        """Insert or update the story read from ``source_path`` on a shelf, atomically.

        A story already imported from the same path onto the same shelf keeps its id and
        slug (unless its sidecar names a new slug). Returns the record and whether it was new.
        """
        version = StoryVersion(
            story_rows(story),
            source_path,
            source_format,
            content_hash,
            slug,
            stamp,
            guild_id=guild_id,
            source_url=source_url,
            size=size,
        )
        saved = await self._save_one(version, now)
        record = await self.by_id(saved.story_id)
        assert record is not None
        return record, saved.created

    async def _save_one(self, version: StoryVersion, now: datetime) -> Saved:
        """:meth:`save` without reading the record back; the story found by its source path."""
        rows, shelf = version.rows, version.guild_id
        async with self.db.transaction() as conn:
            existing = await _one(
                conn,
                "SELECT id, slug FROM stories WHERE source_path = ? AND guild_id IS NOT DISTINCT FROM ? "
                "AND removed_at IS NULL",
                (version.source_path, shelf),
            )
            wanted = rows.slug or (existing["slug"] if existing else version.slug)
            if existing is None or wanted != existing["slug"]:
                wanted = await _free_slug(conn, wanted, None if existing is None else existing["id"], shelf)
            values = _row_values(version, wanted, now)
            if existing is None:
                values["imported_at"] = now.isoformat()
                top = await _one(conn, "SELECT coalesce(max(id), 0) FROM stories", ())
                story_id = int(top[0] if top else 0) + 1
                await conn.execute(_insert_sql("stories", {"id": story_id, **values}), (story_id, *values.values()))
            else:
                story_id = int(existing["id"])
                assignments = ", ".join(f"{k} = ?" for k in values)
                await conn.execute(f"UPDATE stories SET {assignments} WHERE id = ?", (*values.values(), story_id))
                for table in ("chapters", "story_tags"):
                    await conn.execute(f"DELETE FROM {table} WHERE story_id = ?", (story_id,))
                await conn.execute(self.db.dialect.search.delete_sql(), (story_id,))
            await _insert_children(self.db, conn, [(story_id, rows)])
        return Saved(story_id, wanted, existing is None)

    async def add_many(self, stories: list[tuple[Story, str]], *, source_format: str, now: datetime) -> None:
        """Add new stories, given with their source paths, in one transaction.

        For building large libraries at once (benchmarks, first imports of big
        collections): slugs are made unique, nothing existing is updated.
        """
        async with self.db.transaction() as conn:
            top = await _one(conn, "SELECT coalesce(max(id), 0) FROM stories", ())
            taken = {
                str(r[0])
                for r in await conn.execute_fetchall(
                    "SELECT slug FROM stories WHERE guild_id IS NULL AND removed_at IS NULL"
                )
            }
            rows, children = [], []
            for offset, (story, source_path) in enumerate(stories, start=1):
                story_id = int(top[0] if top else 0) + offset
                slug = unique_slug(story.meta.slug or slugify(story.meta.title), taken)
                taken.add(slug)
                built = story_rows(story)
                values = _row_values(StoryVersion(built, source_path, source_format, "", slug), slug, now)
                values.update(id=story_id, imported_at=now.isoformat())
                rows.append(values)
                children.append((story_id, built))
            if rows:
                await conn.executemany(_insert_sql("stories", rows[0]), [tuple(v.values()) for v in rows])
                await _insert_children(self.db, conn, children)

    async def by_id(self, story_id: int, *, removed_too: bool = False) -> StoryRecord | None:
        """The story with this id; a removed one only when asked (the author's export still needs it)."""
        clause = "" if removed_too else " AND removed_at IS NULL"
        row = await self.db.fetchone(f"SELECT {_RECORD_COLUMNS} FROM stories WHERE id = ?{clause}", (story_id,))
        return None if row is None else _record(row)

    async def by_slug(self, slug: str, *, guild_id: int | None = None) -> StoryRecord | None:
        """The story with this slug as the server sees it: its own first, then the shared one."""
        where, params = _visible(guild_id, "stories")
        row = await self.db.fetchone(
            f"SELECT {_RECORD_COLUMNS} FROM stories WHERE slug = ? AND {where} ORDER BY guild_id IS NULL LIMIT 1",
            (slug.strip().lower(), *params),
        )
        return None if row is None else _record(row)

    async def all(self) -> list[StoryRecord]:
        """Every story on every shelf (the operator's view), by title."""
        rows = await self.db.fetchall(
            f"SELECT {_RECORD_COLUMNS} FROM stories WHERE removed_at IS NULL ORDER BY lower(title), id"
        )
        return [_record(r) for r in rows]

    async def browse(
        self,
        *,
        search: str = "",
        fandom: str = "",
        rating: str = "",
        offset: int = 0,
        limit: int = 10,
        guild_id: int | None = None,
    ) -> tuple[list[StoryRecord], int]:
        """A page of the library as a server sees it, filtered, and how many stories match in all."""
        visible, params = _visible(guild_id)
        where = [visible]
        match = self.db.dialect.search.condition(search)
        if match is not None:
            where.append(match[0])
            params += match[1]
        if fandom.strip():
            where.append("lower(s.fandom) LIKE ? ESCAPE '\\'")
            params.append("%" + fandom.strip().lower().replace("%", "\\%").replace("_", "\\_") + "%")
        if rating:
            where.append("s.rating = ?")
            params.append(rating)
        clause = f"WHERE {' AND '.join(where)}"
        total_row = await self.db.fetchone(f"SELECT count(*) FROM stories s {clause}", params)
        rows = await self.db.fetchall(
            f"SELECT {_JOINED_COLUMNS} FROM stories s {clause} ORDER BY s.title_key, s.id LIMIT ? OFFSET ?",
            [*params, limit, offset],
        )
        return [_record(r) for r in rows], int(total_row[0]) if total_row else 0

    async def fandoms(self, prefix: str = "", *, limit: int = 25, guild_id: int | None = None) -> list[str]:
        visible, params = _visible(guild_id)
        rows = await self.db.fetchall(
            f"SELECT s.fandom FROM stories s WHERE {visible} AND s.fandom != '' AND lower(s.fandom) LIKE ? "
            "GROUP BY s.fandom ORDER BY count(*) DESC, s.fandom LIMIT ?",
            (*params, f"%{prefix.strip().lower()}%", limit),
        )
        return [str(r[0]) for r in rows]

    async def library_version(self) -> tuple[int, str]:
        """Changes whenever a story is added, changed or removed: for caches over the library."""
        row = await self.db.fetchone(
            "SELECT count(*), coalesce(max(updated_at), '') FROM stories WHERE removed_at IS NULL"
        )
        return (int(row[0]), str(row[1])) if row else (0, "")

    async def first_titles(self, *, limit: int = 25, guild_id: int | None = None) -> list[tuple[str, str]]:
        visible, params = _visible(guild_id)
        rows = await self.db.fetchall(
            f"SELECT s.slug, s.title FROM stories s WHERE {visible} ORDER BY s.title_key LIMIT ?", (*params, limit)
        )
        return [(str(r["slug"]), str(r["title"])) for r in rows]

    async def titles(self, *, guild_id: int | None = None) -> dict[str, str]:
        """Every title by slug as a server sees the library, for fuzzy matching of near misses."""
        visible, params = _visible(guild_id)
        rows = await self.db.fetchall(f"SELECT s.slug, s.title FROM stories s WHERE {visible}", params)
        return {str(r["slug"]): str(r["title"]) for r in rows}

    async def count(self) -> int:
        row = await self.db.fetchone("SELECT count(*) FROM stories WHERE removed_at IS NULL")
        return 0 if row is None else int(row[0])

    async def chapters(self, story_id: int) -> tuple[Chapter, ...]:
        rows = await self.db.fetchall(
            "SELECT title, body FROM chapters WHERE story_id = ? ORDER BY number", (story_id,)
        )
        texts = [(str(r["title"]), str(r["body"])) for r in rows]

        def build() -> tuple[Chapter, ...]:
            return tuple(Chapter.from_text(title, body) for title, body in texts)

        if sum(len(body) for _, body in texts) > LARGE_STORY:  # counting its words would hold up the event loop
            return await asyncio.to_thread(build)
        return build()

    async def search(self, query: str, *, limit: int = 25, guild_id: int | None = None) -> list[StoryRecord]:
        """Stories a server sees matching every word of ``query`` (as prefixes) in any searchable field."""
        visible, params = _visible(guild_id)
        ranked = self.db.dialect.search.ranked(query, visible)
        if ranked is None:
            return []
        rows = await self.db.fetchall(f"SELECT {_JOINED_COLUMNS} {ranked[0]} LIMIT ?", (*ranked[1], *params, limit))
        return [_record(r) for r in rows]

    async def title_matches(self, query: str, *, limit: int = 25, guild_id: int | None = None) -> list[tuple[str, str]]:
        """(slug, title) for as-you-type lookups: titles starting with the text, then word matches.

        Both halves stop at ``limit`` rows without ranking every match, so a two-letter
        prefix costs the same in a library of a hundred stories or a hundred thousand.
        """
        key = search_key(query)
        if not key:
            return []
        visible, params = _visible(guild_id)
        starts = await self.db.fetchall(
            f"SELECT s.slug, s.title FROM stories s WHERE s.title_key >= ? AND s.title_key < ? AND {visible} "
            "ORDER BY s.title_key LIMIT ?",
            (key, key + "\U0010ffff", *params, limit),
        )
        found = {str(r["slug"]): str(r["title"]) for r in starts}
        match = self.db.dialect.search.title_words(query)
        if len(found) < limit and match is not None:
            words = await self.db.fetchall(
                f"SELECT s.slug, s.title FROM stories s WHERE {match[0]} AND {visible} LIMIT ?",
                (*match[1], *params, limit + len(found)),
            )
            for row in words:
                if len(found) >= limit:
                    break
                found.setdefault(str(row["slug"]), str(row["title"]))
        return list(found.items())


async def _one(conn: aiosqlite.Connection, sql: str, params: tuple[object, ...]) -> aiosqlite.Row | None:
    async with conn.execute(sql, params) as cursor:
        return await cursor.fetchone()


def _visible(guild_id: int | None, alias: str = "s") -> tuple[str, list[object]]:
    """The SQL condition for the stories a server sees: its shelf, and the shared stories whose
    slug its shelf does not hold. Without a server, the shared library alone."""
    if guild_id is None:
        return f"{alias}.removed_at IS NULL AND {alias}.guild_id IS NULL", []
    own = f"SELECT 1 FROM stories o WHERE o.guild_id = ? AND o.slug = {alias}.slug AND o.removed_at IS NULL"
    condition = (
        f"{alias}.removed_at IS NULL AND ({alias}.guild_id = ? OR ({alias}.guild_id IS NULL AND NOT EXISTS ({own})))"
    )
    return condition, [guild_id, guild_id]


async def _free_slug(conn: aiosqlite.Connection, base: str, own_id: int | None, guild_id: int | None) -> str:
    async with conn.execute(
        "SELECT slug FROM stories WHERE (slug = ? OR slug LIKE ?) AND id IS DISTINCT FROM ? "
        "AND guild_id IS NOT DISTINCT FROM ? AND removed_at IS NULL",
        (base, f"{base}-%", own_id, guild_id),
    ) as cursor:
        taken = {str(r[0]) for r in await cursor.fetchall()}
    return unique_slug(base, taken)


async def _taken_slugs(db: Database, conn: aiosqlite.Connection, bases: set[str], guild_id: int | None) -> set[str]:
    """The slugs in use on a shelf that ``unique_slug`` could meet for these bases: each, and each followed by more.

    One range search of the shelf's slug index per base. The bases come as one list parameter
    and CROSS JOIN keeps them the outer loop: without it SQLite scans the whole table (once per
    query, testing every range on every row), which cost more than the rest of an import.
    ``coalesce(guild_id, 0) = ?`` is the index's own expression; ``IS NOT DISTINCT FROM`` decides.
    """
    if not bases:
        return set()
    dialect = db.dialect
    sql = taken_slugs_sql(dialect)
    async with conn.execute(sql, (dialect.text_list_param(sorted(bases)), guild_id or 0, guild_id)) as cursor:
        return {str(r[0]) for r in await cursor.fetchall()}


def taken_slugs_sql(dialect: Dialect) -> str:
    # SQLite's CROSS JOIN is its way to fix the join order; PostgreSQL plans it by itself.
    join = "CROSS JOIN" if dialect.name == "sqlite" else "JOIN"
    return (
        f"SELECT s.slug FROM {dialect.text_list} {join} stories AS s "
        f"ON coalesce(s.guild_id, 0) = ? AND s.slug >= base.value AND s.slug < base.value || {dialect.last_char} "
        "WHERE s.guild_id IS NOT DISTINCT FROM ? AND s.removed_at IS NULL"
    )


def _stamp_values(stamp: Stamp | None) -> tuple[int | None, ...]:
    return (None, None, None, None) if stamp is None else tuple(stamp)


def story_rows(story: Story) -> StoryRows:
    """The rows for ``story``, less id, slug and source (see :class:`StoryRows`)."""
    meta = story.meta
    rating = meta.rating
    flat = {name: getattr(meta, name) for name in _META_NAMES}  # what asdict() gives, flat and fast
    values: dict[str, object] = {
        "title": meta.title,
        "title_key": search_key(meta.title),
        "author": meta.author,
        "fandom": meta.fandom,
        "rating": rating.level.value,
        "rating_raw": rating.raw,
        "summary": meta.summary,
        "status": meta.status,
        "servable": int(rating.servable),
        "words": story.words,
        "chapter_count": len(story.chapters),
        "meta": json.dumps(flat, ensure_ascii=False),
    }
    chapters = [(n, c.title, c.text, c.words) for n, c in enumerate(story.chapters, 1)]
    tags = [("warning", w) for w in rating.warnings]
    tags += [("tag", t) for t in meta.tags]
    tags += [("character", c) for c in meta.characters]
    tags += [("relationship", r) for r in meta.relationships]
    search = (meta.title, meta.author, meta.fandom, " ".join(t for _, t in tags), meta.summary)
    return StoryRows(values, chapters, tags, search, meta.slug)


def _row_values(version: StoryVersion, slug: str, now: datetime) -> dict[str, object]:
    stamp = version.stamp
    size = version.size if version.size is not None else (stamp[0] if stamp is not None else 0)
    return {
        "slug": slug,
        **version.rows.values,
        "source_path": version.source_path,
        "source_format": version.source_format,
        "content_hash": version.content_hash,
        "updated_at": now.isoformat(),
        **dict(zip(_STAMP_COLUMNS, _stamp_values(stamp), strict=True)),
        "guild_id": version.guild_id,
        "source_url": version.source_url,
        "bytes": size,
    }


def _insert_sql(table: str, values: dict[str, object]) -> str:
    return f"INSERT INTO {table} ({', '.join(values)}) VALUES ({', '.join('?' for _ in values)})"


async def _insert_children(db: Database, conn: aiosqlite.Connection, stories: list[tuple[int, StoryRows]]) -> None:
    """Chapters, tags and the search row of stories whose ``stories`` row exists."""
    chapters = [(story_id, *c) for story_id, rows in stories for c in rows.chapters]
    tags = [(story_id, *t) for story_id, rows in stories for t in rows.tags]
    search = [(story_id, *rows.search) for story_id, rows in stories]
    await conn.executemany(
        "INSERT INTO chapters (story_id, number, title, body, words) VALUES (?, ?, ?, ?, ?)", chapters
    )
    await conn.executemany("INSERT INTO story_tags (story_id, kind, tag) VALUES (?, ?, ?) ON CONFLICT DO NOTHING", tags)
    await conn.executemany(db.dialect.search.insert_sql(), db.dialect.search.rows(search))


_META_NAMES = tuple(f.name for f in fields(StoryMeta))
_META_FIELDS = set(_META_NAMES)
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
        guild_id=row["guild_id"],
        source_url=str(row["source_url"]),
    )

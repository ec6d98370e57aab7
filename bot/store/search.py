"""Full-text search over the library, one interface for both engines.

SQLite searches with FTS5 (``story_search`` is a virtual table whose rowid is the story id);
PostgreSQL with a weighted ``tsvector`` kept by the table itself and a GIN index, its text
folded the way titles are (no accents, lower case), since PostgreSQL's ``unaccent`` cannot
serve a stored column. Everything else in the store is one SQL for both.

In both, every typed word must appear as the prefix of a word; titles weigh most, then
authors, fandoms and tags, then summaries.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Protocol

from bot.core.slugs import search_key

SearchRow = tuple[int, str, str, str, str, str]  # story id, title, author, fandom, tags, summary


class Search(Protocol):
    """What the story repository asks of an engine's search."""

    def condition(self, text: str, alias: str = "s") -> tuple[str, list[Any]] | None:
        """A condition on ``alias.id`` for stories matching ``text``; None when it has no words."""

    def ranked(self, text: str, visible: str) -> tuple[str, list[Any]] | None:
        """``(FROM-clause-and-WHERE, params)`` best match first; the caller adds its columns and limit."""

    def title_words(self, text: str) -> tuple[str, list[Any]] | None:
        """A condition on ``s.id`` for stories with every word as a prefix of a word of the title."""

    def insert_sql(self) -> str: ...

    def rows(self, rows: Sequence[SearchRow]) -> list[tuple[Any, ...]]: ...

    def delete_sql(self) -> str: ...


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def fts_prefix_query(text: str, *, column: str | None = None) -> str | None:
    """An FTS5 query where every typed word must appear as a prefix; ``None`` if no words."""
    words = _words(text)
    if not words:
        return None
    terms = " ".join(f'"{w}"*' for w in words)
    return f"{column} : ({terms})" if column else terms


class Fts5Search:
    """SQLite: an FTS5 table with 2- and 3-letter prefix indexes for as-you-type lookups."""

    def condition(self, text: str, alias: str = "s") -> tuple[str, list[Any]] | None:
        match = fts_prefix_query(text)
        if match is None:
            return None
        return f"{alias}.id IN (SELECT rowid FROM story_search WHERE story_search MATCH ?)", [match]

    def ranked(self, text: str, visible: str) -> tuple[str, list[Any]] | None:
        match = fts_prefix_query(text)
        if match is None:
            return None
        return (
            "FROM story_search JOIN stories s ON s.id = story_search.rowid "
            f"WHERE story_search MATCH ? AND {visible} "
            "ORDER BY bm25(story_search, 10.0, 4.0, 3.0, 2.0, 1.0), lower(s.title)",
            [match],
        )

    def title_words(self, text: str) -> tuple[str, list[Any]] | None:
        match = fts_prefix_query(text, column="title")
        if match is None:
            return None
        return "s.id IN (SELECT rowid FROM story_search WHERE story_search MATCH ?)", [match]

    def insert_sql(self) -> str:
        return "INSERT INTO story_search (rowid, title, author, fandom, tags, summary) VALUES (?, ?, ?, ?, ?, ?)"

    def rows(self, rows: Sequence[SearchRow]) -> list[tuple[Any, ...]]:
        return list(rows)

    def delete_sql(self) -> str:
        return "DELETE FROM story_search WHERE rowid = ?"


def _tsquery(text: str, weight: str = "") -> str | None:
    words = _words(search_key(text))
    if not words:
        return None
    return " & ".join(f"{w}:*{weight}" for w in words)


class TsvectorSearch:
    """PostgreSQL: ``story_search.document``, a stored weighted tsvector with a GIN index."""

    def condition(self, text: str, alias: str = "s") -> tuple[str, list[Any]] | None:
        query = _tsquery(text)
        if query is None:
            return None
        return (
            f"{alias}.id IN (SELECT story_id FROM story_search WHERE document @@ to_tsquery('simple', ?))",
            [query],
        )

    def ranked(self, text: str, visible: str) -> tuple[str, list[Any]] | None:
        query = _tsquery(text)
        if query is None:
            return None
        return (
            "FROM to_tsquery('simple', ?) AS query, story_search q JOIN stories s ON s.id = q.story_id "
            f"WHERE q.document @@ query AND {visible} ORDER BY ts_rank(q.document, query) DESC, lower(s.title)",
            [query],
        )

    def title_words(self, text: str) -> tuple[str, list[Any]] | None:
        query = _tsquery(text, "A")
        if query is None:
            return None
        return "s.id IN (SELECT story_id FROM story_search WHERE document @@ to_tsquery('simple', ?))", [query]

    def insert_sql(self) -> str:
        return "INSERT INTO story_search (story_id, title, author, fandom, tags, summary) VALUES (?, ?, ?, ?, ?, ?)"

    def rows(self, rows: Sequence[SearchRow]) -> list[tuple[Any, ...]]:
        return [(row[0], *(search_key(field) for field in row[1:])) for row in rows]

    def delete_sql(self) -> str:
        return "DELETE FROM story_search WHERE story_id = ?"

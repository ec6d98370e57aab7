"""The database the store writes to: SQLite (the embedded default) or PostgreSQL, one interface.

Repositories write one SQL for both engines: ``?`` placeholders, ``ON CONFLICT``,
``RETURNING``, ``IS NOT DISTINCT FROM``, ``lower()`` for case-insensitive order. What
differs is behind :class:`Dialect`: full-text search and a list passed as one parameter.

Writes go through :meth:`Database.transaction`, one writer at a time: on SQLite an asyncio
lock plus ``BEGIN IMMEDIATE``; on PostgreSQL the same lock plus a transaction-wide advisory
lock, so processes sharing one PostgreSQL write one after another as they would on one file.
"""

from __future__ import annotations

import json
import re
import sqlite3
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Iterable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import asyncpg

from bot.core.errors import StorytellerError
from bot.core.scope import GuildScope
from bot.store.search import Search

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")

IntegrityError = (sqlite3.IntegrityError, asyncpg.IntegrityConstraintViolationError)
"""A constraint the write broke (a unique slug, a foreign key), whichever the engine."""


class DatabaseUnusable(StorytellerError):
    """The database cannot be used as it is: the message names it and what to do.

    ``busy`` is true when another process held it past the busy timeout, which passes by itself.
    """

    def __init__(self, path: Path | str, problem: str, advice: str, *, busy: bool = False) -> None:
        self.path = path
        self.problem = problem
        self.advice = advice
        self.busy = busy
        super().__init__(f"database {path}: {problem}; {advice}")

    @property
    def exit_code(self) -> int:
        """The command line's exit status: 4 when busy (it passes), 3 when a person must act."""
        return 4 if self.busy else 3


@dataclass(frozen=True, slots=True)
class Dialect:
    """What one engine spells its own way."""

    name: str  # "sqlite" or "postgresql"
    search: Search
    text_list: str  # a FROM item naming the texts of one list parameter ``base(value)``
    last_char: str  # an expression for the largest code point, to bound prefix ranges

    def text_list_param(self, values: list[str]) -> Any:
        """``values`` as the one parameter ``text_list`` reads: a JSON array for SQLite, an array for PostgreSQL."""
        return json.dumps(values) if self.name == "sqlite" else values


def is_postgresql(target: str | Path) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


class Database(ABC):
    """The bot's database; open it with :meth:`open`, close it with :meth:`close`."""

    dialect: Dialect
    path: Path | str  # the SQLite file, or the PostgreSQL URL without its password

    @classmethod
    async def open(cls, target: Path | str, **options: Any) -> Database:
        """Open, check and migrate the database at ``target``: a file path, or a ``postgresql://`` URL."""
        if is_postgresql(target):
            from bot.store.postgres import PostgresDatabase

            return await PostgresDatabase.connect(str(target), **options)
        from bot.store.sqlite import SqliteDatabase

        return await SqliteDatabase.connect(Path(target), **options)

    @abstractmethod
    def transaction(self) -> AbstractAsyncContextManager[Any]:
        """The single writer: committed or rolled back whole. Yields a connection with
        ``execute`` (awaitable, or an async context manager giving a cursor), ``executemany``
        and ``execute_fetchall``, as aiosqlite's."""

    @abstractmethod
    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[Any]: ...

    @abstractmethod
    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> Any | None: ...

    @abstractmethod
    def stream(self, sql: str, batch: int = 2000) -> AsyncIterator[list[Any]]:
        """A query's rows, ``batch`` at a time, without holding them all: for copying whole tables."""

    @abstractmethod
    async def user_version(self) -> int:
        """The number of the last migration applied."""

    @abstractmethod
    async def close(self) -> None: ...

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def scope_clause(scope: GuildScope, column: str = "guild_id") -> tuple[str, list[int]]:
    """`` AND ...`` limiting a query to the guilds ``scope`` covers, with its parameters."""
    clause, values = "", []
    if scope.guild_ids is not None:
        clause += f" AND {column} IN ({', '.join('?' * len(scope.guild_ids))})"
        values += sorted(scope.guild_ids)
    if scope.shard_ids is not None:
        clause += f" AND ({column} >> 22) % ? IN ({', '.join('?' * len(scope.shard_ids))})"
        values += [scope.shard_count, *sorted(scope.shard_ids)]
    return clause, values


REBUILDS_TABLES = "-- rebuilds tables"
"""The first line of a migration that rebuilds a table others refer to: it runs with foreign keys off."""


def available_migrations(engine: str = "sqlite") -> list[tuple[int, str, str]]:
    """(version, file name, SQL) for each migration of an engine, in order.

    SQLite's are ``bot/store/migrations/0001…``, numbered 1..N without gaps. PostgreSQL's,
    in ``migrations/postgresql``, start from the schema SQLite had reached when PostgreSQL
    came (a baseline numbered as that version) and follow SQLite's numbers from there, so a
    database on either engine at version N holds the same tables.
    """
    package = "bot.store.migrations" + ("" if engine == "sqlite" else ".postgresql")
    found = []
    for entry in resources.files(package).iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    first = versions[0] if versions and engine != "sqlite" else 1
    if versions != list(range(first, first + len(versions))):
        raise RuntimeError(f"{engine} migrations must be numbered without gaps, found {versions}")
    return found

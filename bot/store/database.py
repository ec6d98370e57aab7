"""One aiosqlite connection, explicit transactions, and numbered migrations.

Writes go through :meth:`Database.transaction`: an asyncio lock plus
``BEGIN IMMEDIATE``, so there is a single writer and a transaction either
commits whole or leaves nothing behind. Reads run directly.
"""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

from bot.core.errors import DatabaseBusy
from bot.core.scope import GuildScope

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


@asynccontextmanager
async def _busy_as_error() -> AsyncIterator[None]:
    """Another process holding the file past the busy timeout: an error people can be told about."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        if not _is_busy(exc):
            raise
        raise DatabaseBusy() from exc


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


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


class Database:
    """The bot's SQLite database; open it with :meth:`open`, close it with :meth:`close`."""

    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self._conn = connection
        self._write_lock = asyncio.Lock()
        self.path = path

    @classmethod
    async def open(cls, path: Path | str, *, busy_timeout: float = 5.0) -> Database:
        """Open (and migrate) the database; a write waits ``busy_timeout`` seconds for another process."""
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: the sqlite3 module opens no implicit transactions.
        connection = await aiosqlite.connect(path, isolation_level=None)
        connection.row_factory = aiosqlite.Row
        for pragma in (
            "journal_mode = WAL",
            "foreign_keys = ON",
            f"busy_timeout = {int(busy_timeout * 1000)}",
            "synchronous = NORMAL",
        ):
            await connection.execute(f"PRAGMA {pragma}")
        db = cls(connection, path)
        try:
            await db.migrate()
        except BaseException:
            await connection.close()
            raise
        return db

    async def close(self) -> None:
        await self._conn.close()

    async def __aenter__(self) -> Database:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """The single writer: ``BEGIN IMMEDIATE`` under one lock, committed or rolled back whole.

        aiosqlite runs statements in order on its own thread, and a cancelled await does
        not take a statement back: a task cancelled while its ``BEGIN`` waits still begins
        the transaction later. The rollback queued on the way out runs after it, so no
        cancelled writer leaves the connection inside a transaction.
        """
        async with self._write_lock:
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
                yield self._conn
                await self._conn.commit()
            except sqlite3.OperationalError as exc:
                await self._conn.rollback()
                if not _is_busy(exc):
                    raise
                raise DatabaseBusy() from exc
            except BaseException:
                await self._conn.rollback()
                raise

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[aiosqlite.Row]:
        async with _busy_as_error(), self._conn.execute(sql, tuple(params)) as cursor:
            return list(await cursor.fetchall())

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> aiosqlite.Row | None:
        async with _busy_as_error(), self._conn.execute(sql, tuple(params)) as cursor:
            return await cursor.fetchone()

    async def user_version(self) -> int:
        row = await self.fetchone("PRAGMA user_version")
        assert row is not None
        return int(row[0])

    async def migrate(self) -> int:
        """Apply every migration newer than ``PRAGMA user_version``, each in one transaction."""
        current = await self.user_version()
        for version, name, script in available_migrations():
            if version <= current:
                continue
            log.info("Applying migration %s", name)
            # executescript() commits anything pending first, so the script carries its
            # own BEGIN/COMMIT and the version bump commits with it or not at all.
            async with self._write_lock:
                try:
                    await self._conn.executescript(
                        f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {version};\nCOMMIT;"
                    )
                except BaseException:
                    if self._conn.in_transaction:
                        await self._conn.rollback()
                    raise
            current = version
        return current


def available_migrations() -> list[tuple[int, str, str]]:
    """(version, file name, SQL) for each file in ``bot/store/migrations``, in order."""
    found = []
    for entry in resources.files("bot.store.migrations").iterdir():
        match = _MIGRATION_NAME.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    found.sort()
    versions = [v for v, _, _ in found]
    if versions != list(range(1, len(versions) + 1)):
        raise RuntimeError(f"migrations must be numbered 1..N without gaps, found {versions}")
    return found

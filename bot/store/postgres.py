"""PostgreSQL: a pool of asyncpg connections behind the interface SQLite's database has.

The store's SQL is written once, with ``?`` placeholders: they become ``$1, $2, …`` here
(once per distinct statement), and each connection acts like aiosqlite's for the
repositories (``execute`` as an awaitable or a cursor, ``rowcount``, ``executemany``).

One writer at a time, across every process sharing the database: a write transaction takes
a transaction-wide advisory lock first, so the store's read-then-write steps see what they
would see on SQLite's one file. Waiting for it longer than the busy timeout is
:class:`DatabaseBusy`, which readings already retry. Reads run beside it on other connections.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterable, Sequence
from contextlib import asynccontextmanager
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.core.errors import DatabaseBusy, DatabaseUnreachable
from bot.store.database import Database, DatabaseUnusable, Dialect, available_migrations
from bot.store.search import TsvectorSearch

log = logging.getLogger(__name__)

POSTGRESQL = Dialect(
    name="postgresql",
    search=TsvectorSearch(),
    text_list="unnest(CAST(? AS text[])) AS base(value)",
    last_char="chr(1114111)",
)
_WRITER_LOCK = 0x53544F52  # "STOR": the advisory lock every write transaction holds
_MIGRATION_LOCK = 0x5354_4D49  # "STMI": held while one process migrates
_CONTENDED = (  # another writer held on past the busy timeout
    asyncpg.LockNotAvailableError,
    asyncpg.DeadlockDetectedError,
    asyncpg.SerializationError,
    asyncpg.QueryCanceledError,
)
_UNREACHABLE = (  # the server went away or turned connections down for now
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.AdminShutdownError,
    OSError,
    TimeoutError,
)


def redacted(url: str) -> str:
    """The URL without its password: fit for logs and messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


@lru_cache(maxsize=4096)
def numbered(sql: str) -> str:
    """``?`` placeholders as PostgreSQL's ``$n``, leaving quoted text alone."""
    out, n, quote = [], 0, ""
    for char in sql:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "?":
            n += 1
            out.append(f"${n}")
            continue
        out.append(char)
    return "".join(out)


def _returns_rows(sql: str) -> bool:
    head = sql.lstrip()[:6].upper()
    return head.startswith(("SELECT", "WITH", "VALUES")) or " RETURNING " in sql.upper()


def _count(status: str) -> int:
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else -1


class _Cursor:
    """One statement's result, as aiosqlite's cursor offers it: awaited, or used as a context manager."""

    def __init__(self, conn: asyncpg.Connection, sql: str, params: Sequence[Any]) -> None:
        self._conn, self._sql, self._params = conn, sql, tuple(params)
        self._rows: list[asyncpg.Record] = []
        self._done = False
        self.rowcount = -1

    async def _run(self) -> _Cursor:
        if not self._done:
            self._done = True
            with _busy_as_error():
                if _returns_rows(self._sql):
                    self._rows = await self._conn.fetch(numbered(self._sql), *self._params)
                    self.rowcount = len(self._rows)
                else:
                    self.rowcount = _count(await self._conn.execute(numbered(self._sql), *self._params))
        return self

    def __await__(self):  # type: ignore[no-untyped-def]
        return self._run().__await__()

    async def __aenter__(self) -> _Cursor:
        return await self._run()

    async def __aexit__(self, *exc: object) -> None:
        return None

    async def fetchall(self) -> list[asyncpg.Record]:
        return list(self._rows)

    async def fetchone(self) -> asyncpg.Record | None:
        return self._rows[0] if self._rows else None

    async def close(self) -> None:
        return None


class _Connection:
    """A pooled connection inside a transaction, with the methods the repositories use."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Iterable[Any] = ()) -> _Cursor:
        return _Cursor(self._conn, sql, tuple(params))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        if rows:
            with _busy_as_error():
                await self._conn.executemany(numbered(sql), rows)

    async def execute_fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[asyncpg.Record]:
        return await (await self.execute(sql, params)).fetchall()


class _busy_as_error:  # a context manager used like a function
    """A lock wait past the timeout, or a lost server: errors readings retry, as SQLite's busy."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> bool:
        if isinstance(exc, _CONTENDED):
            raise DatabaseBusy() from exc
        if isinstance(exc, _UNREACHABLE):
            raise DatabaseUnreachable() from exc
        return False


class PostgresDatabase(Database):
    """The bot's database on a PostgreSQL server, for several processes (shards) at once."""

    dialect = POSTGRESQL

    def __init__(self, pool: asyncpg.Pool, url: str, busy_timeout: float) -> None:
        self._pool = pool
        self._write_lock = asyncio.Lock()
        self._busy_ms = int(busy_timeout * 1000)
        self.path = redacted(url)

    @classmethod
    async def connect(
        cls, url: str, *, busy_timeout: float = 5.0, create_folder: bool = True, pool_size: int = 8
    ) -> PostgresDatabase:
        """Connect, check and migrate; :class:`DatabaseUnusable` names what is wrong (never the password)."""
        del create_folder  # a server has no folder to make
        shown = redacted(url)
        try:
            pool = await asyncpg.create_pool(
                url,
                min_size=1,
                max_size=pool_size,
                timeout=10,
                command_timeout=60,
                server_settings={
                    "application_name": "storyteller",
                    # Every query is a small lookup: starting parallel workers, or compiling one with
                    # JIT, costs more than the query (a search took 13 ms with workers, 4.6 without).
                    "max_parallel_workers_per_gather": "0",
                    "jit": "off",
                },
            )
        except (OSError, TimeoutError) as exc:
            raise DatabaseUnusable(
                shown,
                f"cannot connect ({type(exc).__name__}: {exc})",
                "check that PostgreSQL is running and that DATABASE_URL names its host, port and database",
            ) from None
        except asyncpg.InvalidCatalogNameError:
            name = urlsplit(url).path.lstrip("/") or "(none)"
            raise DatabaseUnusable(
                shown, f"the database {name} does not exist", f"create it first (createdb {name})"
            ) from None
        except (asyncpg.InvalidAuthorizationSpecificationError, asyncpg.InvalidPasswordError) as exc:
            raise DatabaseUnusable(
                shown, f"the server refused the login ({exc})", "check the user and password in DATABASE_URL"
            ) from None
        except asyncpg.PostgresError as exc:
            raise DatabaseUnusable(shown, f"the server refused ({exc})", "check DATABASE_URL") from None
        db = cls(pool, url, busy_timeout)
        try:
            await db.migrate()
        except BaseException:
            await pool.close()
            raise
        return db

    async def close(self) -> None:
        await self._pool.close()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[_Connection]:
        async with self._write_lock:
            with _busy_as_error():
                async with self._pool.acquire() as conn, conn.transaction():
                    # One round trip: this transaction's lock wait limit, then the writer's lock.
                    await conn.execute(
                        "SELECT set_config('lock_timeout', $1, true), pg_advisory_xact_lock($2)",
                        f"{self._busy_ms}ms",
                        _WRITER_LOCK,
                    )
                    yield _Connection(conn)

    async def fetchall(self, sql: str, params: Iterable[Any] = ()) -> list[asyncpg.Record]:
        with _busy_as_error():
            async with self._pool.acquire() as conn:
                return list(await conn.fetch(numbered(sql), *params))

    async def fetchone(self, sql: str, params: Iterable[Any] = ()) -> asyncpg.Record | None:
        with _busy_as_error():
            async with self._pool.acquire() as conn:
                return await conn.fetchrow(numbered(sql), *params)

    async def stream(self, sql: str, batch: int = 2000) -> AsyncIterator[list[asyncpg.Record]]:
        with _busy_as_error():
            async with self._pool.acquire() as conn, conn.transaction():  # a cursor lives in a transaction
                cursor = await conn.cursor(numbered(sql))
                while rows := await cursor.fetch(batch):
                    yield rows

    async def user_version(self) -> int:
        with _busy_as_error():
            async with self._pool.acquire() as conn:
                return await _version(conn)

    async def migrate(self) -> int:
        """Apply every PostgreSQL migration newer than the recorded version, each in one transaction.

        Processes starting together take turns (an advisory lock): one migrates, the others
        find the work done.
        """
        async with self._pool.acquire() as conn:
            await conn.execute("SELECT pg_advisory_lock($1)", _MIGRATION_LOCK)
            try:
                await conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
                current = await _version(conn)
                for version, name, script in available_migrations("postgresql"):
                    if version <= current:
                        continue
                    log.info("Applying PostgreSQL migration %s", name)
                    async with conn.transaction():
                        await conn.execute(script)
                        await conn.execute("DELETE FROM schema_version")
                        await conn.execute("INSERT INTO schema_version (version) VALUES ($1)", version)
                    current = version
                return current
            finally:
                await conn.execute("SELECT pg_advisory_unlock($1)", _MIGRATION_LOCK)


async def _version(conn: asyncpg.Connection) -> int:
    exists = await conn.fetchval("SELECT to_regclass('schema_version') IS NOT NULL")
    if not exists:
        return 0
    value = await conn.fetchval("SELECT max(version) FROM schema_version")
    return int(value or 0)

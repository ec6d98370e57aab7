"""SQLite: one aiosqlite connection, explicit transactions, and numbered migrations.

Writes go through :meth:`SqliteDatabase.transaction`: an asyncio lock plus
``BEGIN IMMEDIATE``, so there is a single writer and a transaction either
commits whole or leaves nothing behind. Reads run directly.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiosqlite

from bot.core.errors import DatabaseBusy
from bot.store.database import REBUILDS_TABLES, Database, DatabaseUnusable, Dialect, available_migrations
from bot.store.search import Fts5Search

log = logging.getLogger(__name__)


@asynccontextmanager
async def _busy_as_error() -> AsyncIterator[None]:
    """Another process holding the file past the busy timeout: an error people can be told about."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        if not _is_busy(exc):
            raise
        raise DatabaseBusy() from exc


def _is_busy(exc: sqlite3.Error) -> bool:
    text = str(exc).lower()
    return "locked" in text or "busy" in text


# SQLite's primary result codes (the low byte of an extended code) that say the file is unusable.
_SQLITE_PERM, _SQLITE_BUSY, _SQLITE_LOCKED, _SQLITE_READONLY = 3, 5, 6, 8
_SQLITE_IOERR, _SQLITE_CORRUPT, _SQLITE_FULL, _SQLITE_CANTOPEN, _SQLITE_NOTADB = 10, 11, 13, 14, 26


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else text


def _check_folder(path: Path, create: bool) -> None:
    folder = path.parent
    if folder.is_dir():
        return
    if folder.exists():
        raise DatabaseUnusable(path, f"{folder} is not a folder", "set DATABASE_PATH to a file in a folder")
    if not create:
        raise DatabaseUnusable(
            path,
            f"the folder {folder} does not exist",
            "create it, or set DATABASE_PATH to a file in an existing folder",
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DatabaseUnusable(
            path, f"cannot create the folder {folder} ({exc.strerror})", "create it by hand or set DATABASE_PATH"
        ) from exc


def _try_open(path: Path) -> None:
    sqlite3.connect(path).close()


async def _thread_ended(connection: aiosqlite.Connection) -> None:
    """Wait (briefly) for a connection that failed to connect to stop its thread."""
    thread = getattr(connection, "_thread", None)
    if thread is not None and thread.is_alive():
        await asyncio.to_thread(thread.join, 2.0)


def _busy(path: Path, busy_timeout: float) -> DatabaseUnusable:
    return DatabaseUnusable(
        path,
        f"busy: another process holds it past the {busy_timeout:g} s busy timeout",
        "try again when it lets go (is another Storyteller running on this file?)",
        busy=True,
    )


def _raise_unusable(path: Path, exc: sqlite3.Error, busy_timeout: float) -> None:
    """Raise :class:`DatabaseUnusable` for an error that makes the file unusable; return for anything else."""
    problem = _unusable(path, exc, busy_timeout)
    if problem is not None:
        raise problem from exc


def _unusable(path: Path, exc: sqlite3.Error, busy_timeout: float) -> DatabaseUnusable | None:
    """The one-line account of an SQLite error that makes the file unusable; None for anything else."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    reason = _first_line(str(exc))
    if primary in (_SQLITE_BUSY, _SQLITE_LOCKED) or (primary is None and _is_busy(exc)):
        return _busy(path, busy_timeout)
    if primary in (_SQLITE_NOTADB, _SQLITE_CORRUPT):
        return DatabaseUnusable(
            path,
            f"not a usable SQLite database ({reason})",
            "restore it from a backup, or move it aside to start an empty library",
        )
    if primary in (_SQLITE_READONLY, _SQLITE_PERM):
        return DatabaseUnusable(
            path,
            f"read-only ({reason})",
            "make the file and its folder writable for this user, or set DATABASE_PATH elsewhere",
        )
    if primary == _SQLITE_CANTOPEN:
        return DatabaseUnusable(
            path,
            f"cannot be opened ({reason})",
            "check that it is a file and that it and its folder are readable and writable for this user",
        )
    if primary == _SQLITE_FULL:
        return DatabaseUnusable(path, f"the disk is full ({reason})", "free some space, then start again")
    if primary == _SQLITE_IOERR:
        return DatabaseUnusable(
            path,
            f"cannot be read or written ({reason})",
            "check the disk and the file's permissions (a read-only folder does this too)",
        )
    return None


SQLITE = Dialect(name="sqlite", search=Fts5Search(), text_list="json_each(?) AS base", last_char="char(1114111)")


class SqliteDatabase(Database):
    """The bot's SQLite database, one file; the embedded default."""

    dialect = SQLITE

    def __init__(self, connection: aiosqlite.Connection, path: Path) -> None:
        self._conn = connection
        self._write_lock = asyncio.Lock()
        self.path = path

    @classmethod
    async def connect(cls, path: Path, *, busy_timeout: float = 5.0, create_folder: bool = True) -> SqliteDatabase:
        """Open, check and migrate the database; a write waits ``busy_timeout`` seconds for another process.

        The file must open, pass ``PRAGMA quick_check`` and take a write; otherwise
        :class:`DatabaseUnusable` says which, naming the path. ``create_folder=False`` refuses a
        path whose folder does not exist instead of creating it. The connection never outlives
        a failed open (its thread would keep the process from exiting).
        """
        path = Path(path)
        if str(path) != ":memory:":
            _check_folder(path, create_folder)
        # isolation_level=None: the sqlite3 module opens no implicit transactions.
        connection = aiosqlite.connect(path, isolation_level=None)
        try:
            # A plain open first: a path SQLite cannot open at all fails here, before aiosqlite's
            # thread exists (its failed connect leaves the thread a message for a closed loop).
            await asyncio.to_thread(_try_open, path)
            await connection
        except sqlite3.Error as exc:
            await _thread_ended(connection)
            _raise_unusable(path, exc, busy_timeout)
            raise
        try:
            connection.row_factory = aiosqlite.Row
            for pragma in (
                f"busy_timeout = {int(busy_timeout * 1000)}",
                "journal_mode = WAL",
                "foreign_keys = ON",
                "synchronous = NORMAL",
            ):
                await connection.execute(f"PRAGMA {pragma}")
            db = cls(connection, path)
            await db._quick_check()
            await db._check_writable(await db.migrate())
        except sqlite3.Error as exc:
            await connection.close()
            _raise_unusable(path, exc, busy_timeout)
            raise
        except DatabaseBusy as exc:  # a read in migrate() met the lock
            await connection.close()
            raise _busy(path, busy_timeout) from exc
        except BaseException:
            await connection.close()
            raise
        return db

    async def _quick_check(self) -> None:
        """``PRAGMA quick_check``: a damaged file is refused before anything reads it."""
        async with self._conn.execute("PRAGMA quick_check") as cursor:
            problems = [str(row[0]) for row in await cursor.fetchall()]
        if problems != ["ok"]:
            raise DatabaseUnusable(
                self.path,
                f"the file is damaged (quick_check: {_first_line(problems[0] if problems else 'no answer')})",
                "restore it from a backup, or move it aside to start an empty library",
            )

    async def _check_writable(self, version: int) -> None:
        """One real write (the version it already has): a read-only file or folder fails here, not later."""
        async with self._write_lock:
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
                await self._conn.execute(f"PRAGMA user_version = {int(version)}")
                await self._conn.commit()
            except BaseException:
                if self._conn.in_transaction:
                    await self._conn.rollback()
                raise

    async def close(self) -> None:
        await self._conn.close()

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

    async def stream(self, sql: str, batch: int = 2000) -> AsyncIterator[list[aiosqlite.Row]]:
        async with _busy_as_error(), self._conn.execute(sql) as cursor:
            while rows := list(await cursor.fetchmany(batch)):
                yield rows

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
            rebuilds = script.startswith(REBUILDS_TABLES)
            async with self._write_lock:
                try:
                    if rebuilds:
                        await self._rebuild(version, name, script)
                    else:
                        await self._conn.executescript(
                            f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {version};\nCOMMIT;"
                        )
                except BaseException:
                    if self._conn.in_transaction:
                        await self._conn.rollback()
                    raise
            current = version
        return current

    async def _rebuild(self, version: int, name: str, script: str) -> None:
        """SQLite's table-rebuild procedure: foreign keys off, so dropping the old table cascades
        nothing; every reference checked before the commit; foreign keys on again whatever happens."""
        await self._conn.execute("PRAGMA foreign_keys = OFF")
        try:
            await self._conn.executescript(f"BEGIN IMMEDIATE;\n{script}")
            async with self._conn.execute("PRAGMA foreign_key_check") as cursor:
                dangling = await cursor.fetchall()
            if dangling:
                example = tuple(dangling[0])
                raise RuntimeError(f"migration {name} left {len(dangling)} dangling references, e.g. {example}")
            await self._conn.execute(f"PRAGMA user_version = {version}")
            await self._conn.execute("COMMIT")  # execute, not executescript, which would commit first
        finally:
            if self._conn.in_transaction:
                await self._conn.rollback()
            await self._conn.execute("PRAGMA foreign_keys = ON")

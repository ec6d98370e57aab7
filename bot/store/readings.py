"""Live readings and private reading progress: enough to resume after any restart."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.core.delivery import live_stream
from bot.core.readings import LiveReading
from bot.core.scope import EVERYTHING, GuildScope
from bot.core.states import ReadingState
from bot.store.database import Database, scope_clause
from bot.store.outbox import forget_stream


class LiveReadingRepository:
    """Live readings and their due times; every change is a named step of a reading's life."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, channel_id: int) -> LiveReading | None:
        row = await self.db.fetchone("SELECT * FROM live_readings WHERE channel_id = ?", (channel_id,))
        return None if row is None else _reading(row)

    async def due(self, before: datetime, scope: GuildScope = EVERYTHING) -> list[int]:
        """Channels whose running reading has its next message due by ``before``."""
        where, values = scope_clause(scope)
        rows = await self.db.fetchall(
            f"SELECT channel_id FROM live_readings WHERE state = 'running' AND next_due <= ?{where} ORDER BY next_due",
            (before.isoformat(), *values),
        )
        return [int(r[0]) for r in rows]

    async def earliest_due_after(self, after: datetime, scope: GuildScope = EVERYTHING) -> datetime | None:
        where, values = scope_clause(scope)
        row = await self.db.fetchone(
            f"SELECT min(next_due) FROM live_readings WHERE state = 'running' AND next_due > ?{where}",
            (after.isoformat(), *values),
        )
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    async def for_story(self, guild_id: int, story_id: int) -> list[LiveReading]:
        rows = await self.db.fetchall(
            "SELECT * FROM live_readings WHERE guild_id = ? AND story_id = ?", (guild_id, story_id)
        )
        return [_reading(r) for r in rows]

    async def running(self, scope: GuildScope = EVERYTHING) -> int:
        where, values = scope_clause(scope)
        row = await self.db.fetchone(f"SELECT count(*) FROM live_readings WHERE state = 'running'{where}", values)
        return int(row[0]) if row else 0

    async def create(self, reading: LiveReading, now: datetime) -> bool:
        """Record a new live reading; ``False`` if the channel already has one."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO live_readings (channel_id, guild_id, story_id, started_by, position, "
                "total, speed, state, reason, minutes, card_message_id, next_due, started_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (
                    reading.channel_id,
                    reading.guild_id,
                    reading.story_id,
                    reading.started_by,
                    reading.position,
                    reading.total,
                    reading.speed,
                    reading.state.value,
                    reading.reason,
                    reading.minutes,
                    reading.card_message_id,
                    _iso(reading.next_due),
                    now.isoformat(),
                    now.isoformat(),
                ),
            )
            if cursor.rowcount != 1:
                return False
            await forget_stream(conn, live_stream(reading.channel_id))  # a stopped reading's leftovers
            return True

    async def advance(self, channel_id: int, position: int, next_due: datetime, now: datetime) -> None:
        """The message at ``position - 1`` is out; the next one is due at ``next_due``."""
        await self._set(channel_id, now, "position = ?, next_due = ?", position, next_due.isoformat())

    async def pause(self, channel_id: int, reason: str | None, now: datetime) -> None:
        """Paused by a reader (no reason) or by a problem a person must fix (the reason)."""
        await self._set(channel_id, now, "state = 'paused', reason = ?, next_due = NULL", reason)

    async def resume(self, channel_id: int, next_due: datetime, now: datetime) -> None:
        await self._set(channel_id, now, "state = 'running', reason = NULL, next_due = ?", next_due.isoformat())

    async def set_speed(self, channel_id: int, speed: float, next_due: datetime | None, now: datetime) -> None:
        await self._set(channel_id, now, "speed = ?, next_due = coalesce(?, next_due)", speed, _iso(next_due))

    async def delete(self, channel_id: int) -> None:
        """The reading is over (finished or stopped), with its outbox."""
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM live_readings WHERE channel_id = ?", (channel_id,))
            await forget_stream(conn, live_stream(channel_id))

    async def _set(self, channel_id: int, now: datetime, assignments: str, *values: object) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                f"UPDATE live_readings SET {assignments}, updated_at = ? WHERE channel_id = ?",
                (*values, now.isoformat(), channel_id),
            )


class ReaderProgressRepository:
    """Where each reader stopped in a private reading."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def page(self, user_id: int, story_id: int) -> int:
        row = await self.db.fetchone(
            "SELECT page FROM reader_progress WHERE user_id = ? AND story_id = ?", (user_id, story_id)
        )
        return 0 if row is None else int(row["page"])

    async def set_page(self, user_id: int, story_id: int, page: int, now: datetime) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO reader_progress (user_id, story_id, page, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (user_id, story_id) DO UPDATE SET page = excluded.page, "
                "updated_at = excluded.updated_at",
                (user_id, story_id, page, now.isoformat()),
            )


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat()


def _reading(row: aiosqlite.Row) -> LiveReading:
    return LiveReading(
        channel_id=int(row["channel_id"]),
        guild_id=row["guild_id"],
        story_id=int(row["story_id"]),
        started_by=int(row["started_by"]),
        position=int(row["position"]),
        total=int(row["total"]),
        speed=float(row["speed"]),
        state=ReadingState(row["state"]),
        reason=row["reason"],
        minutes=float(row["minutes"]),
        card_message_id=row["card_message_id"],
        next_due=datetime.fromisoformat(row["next_due"]) if row["next_due"] else None,
    )

"""Live readings and private reading progress: enough to resume after any restart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.store.database import Database


@dataclass(frozen=True, slots=True)
class LiveReadingRow:
    channel_id: int
    guild_id: int | None
    story_id: int
    started_by: int
    position: int
    total: int
    speed: float
    state: str
    reason: str | None
    minutes: float
    card_message_id: int | None
    sending_at: str | None = None  # the post at ``position`` was being sent at this time


class LiveReadingRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, channel_id: int) -> LiveReadingRow | None:
        row = await self.db.fetchone("SELECT * FROM live_readings WHERE channel_id = ?", (channel_id,))
        return None if row is None else _row(row)

    async def unfinished(self) -> list[LiveReadingRow]:
        rows = await self.db.fetchall("SELECT * FROM live_readings ORDER BY started_at")
        return [_row(r) for r in rows]

    async def create(self, reading: LiveReadingRow, now: datetime) -> bool:
        """Record a new live reading; ``False`` if the channel already has one."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO live_readings (channel_id, guild_id, story_id, started_by, position, "
                "total, speed, state, reason, minutes, card_message_id, started_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    reading.channel_id,
                    reading.guild_id,
                    reading.story_id,
                    reading.started_by,
                    reading.position,
                    reading.total,
                    reading.speed,
                    reading.state,
                    reading.reason,
                    reading.minutes,
                    reading.card_message_id,
                    now.isoformat(),
                    now.isoformat(),
                ),
            )
            return cursor.rowcount == 1

    async def update(self, channel_id: int, now: datetime, **changes: object) -> None:
        assignments = ", ".join(f"{k} = ?" for k in changes)
        async with self.db.transaction() as conn:
            await conn.execute(
                f"UPDATE live_readings SET {assignments}, updated_at = ? WHERE channel_id = ?",
                (*changes.values(), now.isoformat(), channel_id),
            )

    async def delete(self, channel_id: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM live_readings WHERE channel_id = ?", (channel_id,))


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


def _row(row: aiosqlite.Row) -> LiveReadingRow:
    return LiveReadingRow(
        channel_id=int(row["channel_id"]),
        guild_id=row["guild_id"],
        story_id=int(row["story_id"]),
        started_by=int(row["started_by"]),
        position=int(row["position"]),
        total=int(row["total"]),
        speed=float(row["speed"]),
        state=str(row["state"]),
        reason=row["reason"],
        minutes=float(row["minutes"]),
        card_message_id=row["card_message_id"],
        sending_at=row["sending_at"],
    )

"""The outbox: every story message's intent, nonce and message id, for exactly-once sends."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.core.delivery import Delivery, Outgoing
from bot.store.database import Database


class OutboxRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, stream: str, seq: int, part: int) -> Delivery | None:
        row = await self.db.fetchone(
            "SELECT * FROM outbox WHERE stream = ? AND seq = ? AND part = ?", (stream, seq, part)
        )
        return None if row is None else _delivery(row)

    async def parts(self, stream: str, seq: int) -> dict[int, Delivery]:
        rows = await self.db.fetchall("SELECT * FROM outbox WHERE stream = ? AND seq = ?", (stream, seq))
        return {int(r["part"]): _delivery(r) for r in rows}

    async def record_intent(self, message: Outgoing, now: datetime) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO outbox (stream, seq, part, channel_id, nonce, intended_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (message.stream, message.seq, message.part, message.channel_id, message.nonce, now.isoformat()),
            )

    async def record_sent(self, message: Outgoing, message_id: int, now: datetime) -> None:
        """The message is out: its id in the outbox, and the post known as an installment (for reactions)."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET message_id = ?, sent_at = ? WHERE stream = ? AND seq = ? AND part = ?",
                (message_id, now.isoformat(), message.stream, message.seq, message.part),
            )
            await conn.execute(
                "INSERT INTO posts (message_id, guild_id, channel_id, story_id, installment, posted_at) "
                "SELECT CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), "
                "CAST(? AS INTEGER), CAST(? AS TEXT) WHERE EXISTS (SELECT 1 FROM stories WHERE id = ?) "
                "ON CONFLICT DO NOTHING",
                (
                    message_id,
                    message.guild_id,
                    message.channel_id,
                    message.story_id,
                    message.installment,
                    now.isoformat(),
                    message.story_id,
                ),
            )


async def forget_stream(conn: aiosqlite.Connection, stream: str) -> None:
    """Inside a caller's transaction: the outbox of a reading or schedule that is gone."""
    await conn.execute("DELETE FROM outbox WHERE stream = ?", (stream,))


def _delivery(row: aiosqlite.Row) -> Delivery:
    return Delivery(
        stream=str(row["stream"]),
        seq=int(row["seq"]),
        part=int(row["part"]),
        channel_id=int(row["channel_id"]),
        nonce=str(row["nonce"]),
        message_id=row["message_id"],
        intended_at=datetime.fromisoformat(row["intended_at"]),
    )

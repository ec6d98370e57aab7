"""Readers' responses: which messages are installments, reactions on them, and feedback."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.store.database import Database


@dataclass(frozen=True, slots=True)
class InstallmentReactions:
    installment: int
    counts: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True, slots=True)
class Feedback:
    guild_id: int | None
    user_id: int
    user_name: str
    installment: int | None
    text: str
    created_at: str


class ResponseRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def record_post(
        self,
        message_id: int,
        *,
        guild_id: int | None,
        channel_id: int,
        story_id: int,
        installment: int,
        now: datetime,
    ) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO posts (message_id, guild_id, channel_id, story_id, installment, posted_at) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (message_id, guild_id, channel_id, story_id, installment, now.isoformat()),
            )

    async def last_installment(self, channel_id: int, story_id: int) -> int | None:
        """The furthest installment of a story posted in a channel, if any."""
        row = await self.db.fetchone(
            "SELECT max(installment) FROM posts WHERE channel_id = ? AND story_id = ?", (channel_id, story_id)
        )
        return None if row is None or row[0] is None else int(row[0])

    async def react(self, message_id: int, user_id: int, emoji: str, now: datetime) -> bool:
        """Count a reaction on an installment message; ``False`` for any other message."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO reactions (message_id, user_id, emoji, reacted_at) "
                "SELECT message_id, CAST(? AS BIGINT), CAST(? AS TEXT), CAST(? AS TEXT) FROM posts "
                "WHERE message_id = ? ON CONFLICT DO NOTHING",
                (user_id, emoji, now.isoformat(), message_id),
            )
            return cursor.rowcount == 1

    async def unreact(self, message_id: int, user_id: int, emoji: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "DELETE FROM reactions WHERE message_id = ? AND user_id = ? AND emoji = ?",
                (message_id, user_id, emoji),
            )

    async def by_installment(self, story_id: int, guild_id: int | None) -> list[InstallmentReactions]:
        """Reaction counts per installment and emoji; one guild's, or every guild's when ``None``."""
        rows = await self.db.fetchall(
            "SELECT p.installment, r.emoji, count(*) AS n FROM reactions r JOIN posts p USING (message_id) "
            "WHERE p.story_id = ? AND (CAST(? AS BIGINT) IS NULL OR p.guild_id = ?) GROUP BY p.installment, r.emoji "
            "ORDER BY p.installment, n DESC",
            (story_id, guild_id, guild_id),
        )
        grouped: dict[int, dict[str, int]] = {}
        for row in rows:
            grouped.setdefault(int(row["installment"]), {})[str(row["emoji"])] = int(row["n"])
        return [InstallmentReactions(i, counts) for i, counts in sorted(grouped.items())]

    async def add_feedback(
        self,
        *,
        story_id: int,
        guild_id: int | None,
        user_id: int,
        user_name: str,
        installment: int | None,
        text: str,
        now: datetime,
    ) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO feedback (id, story_id, guild_id, user_id, user_name, installment, text, created_at) "
                "VALUES ((SELECT coalesce(max(id), 0) + 1 FROM feedback), ?, ?, ?, ?, ?, ?, ?)",
                (story_id, guild_id, user_id, user_name, installment, text, now.isoformat()),
            )

    async def feedback(self, story_id: int, guild_id: int | None = None) -> list[Feedback]:
        rows = await self.db.fetchall(
            "SELECT guild_id, user_id, user_name, installment, text, created_at FROM feedback "
            "WHERE story_id = ? AND (CAST(? AS BIGINT) IS NULL OR guild_id = ?) ORDER BY created_at, id",
            (story_id, guild_id, guild_id),
        )
        return [
            Feedback(
                r["guild_id"],
                int(r["user_id"]),
                str(r["user_name"]),
                r["installment"],
                str(r["text"]),
                str(r["created_at"]),
            )
            for r in rows
        ]

"""Claims: which process delivers a reading's stream right now, until when.

A claim is taken before a delivery step and renewed as messages go out; a process keeps its
claims while it runs and gives them all back when it stops. One that is not renewed (its
process died) expires, and any process may take it then. Times are wall-clock ISO strings, compared as text.
"""

from __future__ import annotations

from datetime import datetime

from bot.store.database import Database


class ClaimRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def take(self, stream: str, owner: str, now: datetime, until: datetime) -> datetime | None:
        """Take or renew ``stream`` for ``owner`` until ``until``: None if held now, else when the
        other holder's claim expires."""
        async with self.db.transaction() as conn:
            async with conn.execute(
                "INSERT INTO claims (stream, owner, expires_at) VALUES (?, ?, ?) "
                "ON CONFLICT (stream) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at "
                "WHERE claims.owner = excluded.owner OR claims.expires_at <= ? RETURNING owner",
                (stream, owner, until.isoformat(), now.isoformat()),
            ) as cursor:
                if await cursor.fetchone() is not None:
                    return None
            async with conn.execute("SELECT expires_at FROM claims WHERE stream = ?", (stream,)) as cursor:
                row = await cursor.fetchone()
        return until if row is None else datetime.fromisoformat(str(row[0]))

    async def release_all(self, owner: str) -> None:
        """A process stopping cleanly gives back whatever it still holds."""
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM claims WHERE owner = ?", (owner,))

    async def holders(self) -> dict[str, str]:
        """Every claim and its holder (for status and tests)."""
        return {str(r[0]): str(r[1]) for r in await self.db.fetchall("SELECT stream, owner FROM claims")}

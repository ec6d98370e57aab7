"""Per-guild settings and small bot-wide state."""

from __future__ import annotations

from bot.core.guild import GuildSettings
from bot.core.ratings import Rating
from bot.store.database import Database


class GuildSettingsRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, guild_id: int) -> GuildSettings:
        """The guild's settings; defaults for a guild that never changed any."""
        row = await self.db.fetchone("SELECT * FROM guild_settings WHERE guild_id = ?", (guild_id,))
        if row is None:
            return GuildSettings(guild_id)
        return GuildSettings(
            guild_id=guild_id,
            max_rating=Rating(row["max_rating"]),
            reader_role_id=row["reader_role_id"],
            open_threads=bool(row["open_threads"]),
            timezone=str(row["timezone"]),
        )

    async def save(self, settings: GuildSettings) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO guild_settings (guild_id, max_rating, reader_role_id, open_threads, timezone) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (guild_id) DO UPDATE SET max_rating = excluded.max_rating, "
                "reader_role_id = excluded.reader_role_id, open_threads = excluded.open_threads, "
                "timezone = excluded.timezone",
                (
                    settings.guild_id,
                    settings.max_rating.value,
                    settings.reader_role_id,
                    int(settings.open_threads),
                    settings.timezone,
                ),
            )


class BotStateRepository:
    """Small named values the bot keeps between runs."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, key: str) -> str | None:
        row = await self.db.fetchone("SELECT value FROM bot_state WHERE key = ?", (key,))
        return None if row is None else str(row["value"])

    async def set(self, key: str, value: str) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO bot_state (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

"""A server's own choices: its highest rating, who may start readings, threads, its time zone."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.ratings import Rating


@dataclass(frozen=True, slots=True)
class GuildSettings:
    guild_id: int
    max_rating: Rating = Rating.E
    reader_role_id: int | None = None  # who may start live readings; None: everyone
    open_threads: bool = False
    timezone: str = "UTC"

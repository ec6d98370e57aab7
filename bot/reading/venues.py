"""The place a post would go, as the rating gate sees it: the channel now, and its server's limit."""

from __future__ import annotations

from bot.core.gating import Venue
from bot.reading.ports import Publisher
from bot.store.guilds import GuildSettingsRepository


class Venues:
    def __init__(self, publisher: Publisher, guilds: GuildSettingsRepository) -> None:
        self.publisher = publisher
        self.guilds = guilds

    async def venue(self, channel_id: int) -> Venue:
        """The channel as the gate sees it now (raises :class:`DeliveryError` if it is gone)."""
        info = await self.publisher.channel_info(channel_id)
        if info.guild_id is None:
            return Venue(age_restricted=info.age_restricted, in_guild=False)
        settings = await self.guilds.get(info.guild_id)
        return Venue(age_restricted=info.age_restricted, guild_max=settings.max_rating)

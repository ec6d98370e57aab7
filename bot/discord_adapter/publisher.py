"""The reading engine's publisher, on Discord: channel checks, typing, and mention-free posts."""

from __future__ import annotations

import discord

from bot.reading.ports import ChannelInfo, DeliveryError

Postable = discord.TextChannel | discord.Thread | discord.VoiceChannel | discord.DMChannel


class DiscordPublisher:
    def __init__(self, client: discord.Client) -> None:
        self.client = client

    async def _channel(self, channel_id: int) -> Postable:
        channel = self.client.get_channel(channel_id)
        if channel is None:
            try:
                channel = await self.client.fetch_channel(channel_id)
            except discord.NotFound:
                raise DeliveryError("The channel no longer exists.", permanent=True) from None
            except discord.Forbidden:
                raise DeliveryError(
                    f"Storyteller can no longer see <#{channel_id}>: give it View Channel there.",
                    permanent=True,
                ) from None
            except discord.HTTPException as exc:
                raise DeliveryError(f"Discord did not answer ({exc.status}).", permanent=False) from None
        if not isinstance(channel, Postable):
            raise DeliveryError("Stories can only be read into text channels and threads.", permanent=True)
        return channel

    async def channel_info(self, channel_id: int) -> ChannelInfo:
        channel = await self._channel(channel_id)
        guild = getattr(channel, "guild", None)
        # Threads follow their parent; DMs have no age restriction at all.
        age_restricted = bool(getattr(channel, "is_nsfw", lambda: False)())
        return ChannelInfo(channel_id, guild.id if guild else None, age_restricted)

    def _check_permissions(self, channel: Postable) -> None:
        guild = getattr(channel, "guild", None)
        if guild is None:
            return
        perms = channel.permissions_for(guild.me)
        needed = "send_messages_in_threads" if isinstance(channel, discord.Thread) else "send_messages"
        if not (perms.view_channel and getattr(perms, needed)):
            what = "Send Messages in Threads" if needed == "send_messages_in_threads" else "Send Messages"
            raise DeliveryError(
                f"Storyteller is missing a permission in {channel.mention}: it needs View Channel and {what}.",
                permanent=True,
            )

    async def send(self, channel_id: int, text: str) -> int:
        channel = await self._channel(channel_id)
        self._check_permissions(channel)
        try:
            message = await channel.send(text, allowed_mentions=discord.AllowedMentions.none())
        except discord.NotFound:
            raise DeliveryError("The channel no longer exists.", permanent=True) from None
        except discord.Forbidden:
            raise DeliveryError(
                f"Discord refused the post in <#{channel_id}>: check Storyteller's permissions there.",
                permanent=True,
            ) from None
        except discord.HTTPException as exc:
            raise DeliveryError(
                f"Discord did not accept the post ({exc.status}).", permanent=exc.status < 500
            ) from None
        return message.id

    async def typing(self, channel_id: int) -> None:
        channel = await self._channel(channel_id)
        try:
            await channel.typing()
        except discord.HTTPException as exc:
            raise DeliveryError(f"typing failed ({exc.status})", permanent=False) from None

"""The reading engine's publisher, on Discord: channel checks, typing, and mention-free posts."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import discord

from bot.discord_adapter.components import more_button
from bot.reading.ports import ChannelInfo, DeliveryError
from bot.reading.send_queue import Throttled

_NO_MENTIONS = discord.AllowedMentions.none()
Postable = discord.TextChannel | discord.Thread | discord.VoiceChannel | discord.DMChannel


def retry_after(exc: discord.HTTPException) -> float:
    """How long a 429 asks to wait: the body's ``retry_after``, else the ``Retry-After`` header, else 1 s."""
    try:
        return float(json.loads(exc.text)["retry_after"])
    except (ValueError, KeyError, TypeError):
        pass
    try:
        return float(exc.response.headers.get("Retry-After", 1.0))
    except (AttributeError, ValueError):
        return 1.0


@contextmanager
def delivery_errors(forbidden: str) -> Iterator[None]:
    """Discord's HTTP errors as delivery errors: gone or refused is permanent, 5xx and 429 are not.

    A 429 that outlasted discord.py's own retries, or one whose wait was longer than discord.py
    may sleep (``max_ratelimit_timeout``), is :class:`Throttled`: the message goes back through
    the send queue after ``retry_after``.
    """
    try:
        yield
    except discord.RateLimited as exc:
        raise Throttled(exc.retry_after) from None
    except discord.NotFound:
        raise DeliveryError("The channel no longer exists.", permanent=True) from None
    except discord.Forbidden:
        raise DeliveryError(forbidden, permanent=True) from None
    except discord.HTTPException as exc:
        if exc.status == 429:
            headers = getattr(exc.response, "headers", {}) or {}
            is_global = str(headers.get("X-RateLimit-Global", "")).lower() == "true"
            raise Throttled(retry_after(exc), is_global=is_global) from None
        transient = exc.status >= 500 or exc.status == 429
        raise DeliveryError(f"Discord did not accept the request ({exc.status}).", permanent=not transient) from None


class DiscordPublisher:
    def __init__(self, client: discord.Client) -> None:
        self.client = client

    async def _channel(self, channel_id: int) -> Postable:
        channel = self.client.get_channel(channel_id)
        if channel is None:
            with delivery_errors(f"Storyteller can no longer see <#{channel_id}>: give it View Channel there."):
                channel = await self.client.fetch_channel(channel_id)
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

    async def send(
        self,
        channel_id: int,
        text: str,
        *,
        nonce: str | None = None,
        more: tuple[int, int] | None = None,
        role: int | None = None,
    ) -> int:
        channel = await self._channel(channel_id)
        self._check_permissions(channel)
        # Story text pings no one; a schedule's heading may ping the one role it was set up with.
        mentions = (
            discord.AllowedMentions(everyone=False, users=False, roles=[discord.Object(role)]) if role else _NO_MENTIONS
        )
        view = more_button(*more) if more else None
        with delivery_errors(f"Discord refused the post in <#{channel_id}>: check Storyteller's permissions there."):
            # With a nonce, discord.py sets enforce_nonce: a retry within minutes returns the first message.
            message = await channel.send(text, allowed_mentions=mentions, nonce=nonce, view=view)
        return message.id

    async def find_recent(self, channel_id: int, text: str, since: datetime) -> int | None:
        channel = await self._channel(channel_id)
        me = self.client.user
        with delivery_errors(f"Storyteller cannot read the history of <#{channel_id}>."):
            async for message in channel.history(limit=50, after=since):
                if me is not None and message.author.id == me.id and message.content == text:
                    return message.id
        return None

    async def start_thread(self, channel_id: int, message_id: int, name: str) -> int:
        existing = self.client.get_channel(message_id)  # a thread started from a message shares its id
        if isinstance(existing, discord.Thread):
            return existing.id
        channel = await self._channel(channel_id)
        if not isinstance(channel, discord.TextChannel):
            raise DeliveryError("Threads can only be opened in text channels.", permanent=True)
        with delivery_errors(f"Storyteller cannot open threads in <#{channel_id}>: it needs Create Public Threads."):
            message = channel.get_partial_message(message_id)
            try:
                thread = await message.create_thread(name=name[:100])
            except discord.HTTPException as exc:
                if exc.code != 160004:  # "a thread has already been created for this message"
                    raise
                return message_id
        return thread.id

    async def notify(self, guild_id: int, user_id: int, text: str) -> None:
        guild = self.client.get_guild(guild_id)
        channel = guild.system_channel if guild else None
        if channel is not None and channel.permissions_for(channel.guild.me).send_messages:
            with delivery_errors("system channel refused"):
                await channel.send(text, allowed_mentions=_NO_MENTIONS)
            return
        with delivery_errors("the admin's DMs are closed"):
            user = self.client.get_user(user_id) or await self.client.fetch_user(user_id)
            await user.send(text, allowed_mentions=_NO_MENTIONS)

    async def typing(self, channel_id: int) -> None:
        channel = await self._channel(channel_id)
        with delivery_errors("typing refused"):
            await channel.typing()

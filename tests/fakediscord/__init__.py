"""A Discord-compatible server on loopback, for running the real bot (and discord.py) in tests.

``FakeDiscord`` speaks REST and the gateway on 127.0.0.1 and enforces the Discord rules the bot
has to live with (docs/discord-limits.md): 5 messages per 5 s in one channel, 50 requests per
second in all, nonces with ``enforce_nonce``, message and embed sizes, the interaction deadline.
It records what the bot did (``posts``, ``interactions``, ``rate_limited``, ``rejected``,
``events``) and lets a test act as Discord and as members (``set_age_restricted``, ``invoke``,
``press``, ``submit_modal``, ``say``, ``react``). ``Faults`` injects 500s and slow answers, and
``drop_gateway`` drops the gateway connections (or one shard's), which the bot resumes.

The gateway is sharded as Discord's is: a connection's IDENTIFY names its shard, and it gets only
the guilds, and the events, of that shard (a guild is on shard ``(guild_id >> 22) % shard_count``;
DMs are on shard 0). ``guild_id_on_shard`` makes guild ids for ``add_guild`` on a chosen shard.

Payload rules discord.py depends on: REST bodies must be sent as exactly
``application/json``; the interaction callback is called with ``with_response`` and must answer
JSON; a 429 needs a ``Via`` header or discord.py takes it for a Cloudflare ban; and a key
discord.py expects to be absent must not be sent as ``null``.
"""

from tests.fakediscord.faults import Fault, Faults
from tests.fakediscord.limits import CHANNEL_MESSAGES, GLOBAL, RateLimit, RateLimitHit
from tests.fakediscord.payloads import (
    ADMINISTRATOR,
    AGE_RESTRICTED_CHANNEL_ID,
    APP_ID,
    BOT_USER,
    CHANNEL_ID,
    EPHEMERAL,
    EVERYONE_PERMS,
    GUILD_ID,
    MANAGE_GUILD,
    MANAGE_MESSAGES,
    MEMBER_PERMISSIONS,
    READER,
    USER_ID,
)
from tests.fakediscord.records import CommandRefused, Interaction, Post, Rejection
from tests.fakediscord.server import FakeDiscord
from tests.fakediscord.shards import guild_id_on_shard, shard_of

__all__ = [
    "ADMINISTRATOR",
    "AGE_RESTRICTED_CHANNEL_ID",
    "APP_ID",
    "BOT_USER",
    "CHANNEL_ID",
    "CHANNEL_MESSAGES",
    "EPHEMERAL",
    "EVERYONE_PERMS",
    "GLOBAL",
    "GUILD_ID",
    "MANAGE_GUILD",
    "MANAGE_MESSAGES",
    "MEMBER_PERMISSIONS",
    "READER",
    "USER_ID",
    "CommandRefused",
    "FakeDiscord",
    "Fault",
    "Faults",
    "Interaction",
    "Post",
    "RateLimit",
    "RateLimitHit",
    "Rejection",
    "guild_id_on_shard",
    "shard_of",
]

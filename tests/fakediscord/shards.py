"""Which shard a guild is on, as Discord routes it, and guild ids made to land on a chosen shard.

Discord sends a guild's events to shard ``(guild_id >> 22) % shard_count``: the id's timestamp
part, not its low bits, decides. Events without a guild (DMs) go to shard 0.
"""

from __future__ import annotations

from tests.fakediscord.payloads import DISCORD_EPOCH_MS

# The snowflake time of the guild ids made here: 2020-01-01. The fixed ids in payloads.py are
# from 2015 and the server's own ids (Snowflakes) from now, so none of them can collide.
_SHARDED_GUILDS_MS = 1_577_836_800_000 - DISCORD_EPOCH_MS


def shard_of(guild_id: str | int | None, shard_count: int) -> int:
    """The shard Discord sends a guild's events to; shard 0 for events without a guild."""
    if guild_id is None:
        return 0
    return (int(guild_id) >> 22) % shard_count


def guild_id_on_shard(shard_id: int, shard_count: int, n: int = 0) -> str:
    """The ``n``-th (from 0) of a fixed series of guild ids on ``shard_id`` of ``shard_count``.

    The same arguments give the same id on every run. Ids for different ``n`` differ; an id
    made for one shard count may come back for another (it is then on both shards it names).
    """
    if not 0 <= shard_id < shard_count:
        raise ValueError(f"shard {shard_id} is not one of {shard_count} shards")
    if n < 0:
        raise ValueError("n counts from 0")
    millis = (_SHARDED_GUILDS_MS // shard_count + n) * shard_count + shard_id
    return str(millis << 22)

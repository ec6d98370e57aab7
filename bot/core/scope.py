"""Which servers one process delivers readings for."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class GuildScope:
    """Every server (the default), a fixed few (the console's own), or those on some shards.

    A guild is on shard ``(guild_id >> 22) % shard_count``, as Discord routes it.
    """

    guild_ids: frozenset[int] | None = None
    shard_ids: frozenset[int] | None = None
    shard_count: int = 1

    @classmethod
    def only(cls, *guild_ids: int) -> GuildScope:
        return cls(guild_ids=frozenset(guild_ids))

    @classmethod
    def shards(cls, shard_ids: frozenset[int], shard_count: int) -> GuildScope:
        return cls(shard_ids=shard_ids, shard_count=shard_count)

    @property
    def everything(self) -> bool:
        return self.guild_ids is None and self.shard_ids is None

    def covers(self, guild_id: int | None) -> bool:
        if self.guild_ids is not None and guild_id not in self.guild_ids:
            return False
        if self.shard_ids is not None:
            return guild_id is not None and (guild_id >> 22) % self.shard_count in self.shard_ids
        return True


EVERYTHING = GuildScope()

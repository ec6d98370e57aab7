from bot.core.scope import EVERYTHING, GuildScope

ON_SHARD_1_OF_2 = (1 << 22) * 3  # (id >> 22) % 2 == 1
ON_SHARD_0_OF_2 = (1 << 22) * 4


def test_everything_covers_every_guild_and_direct_messages():
    assert EVERYTHING.everything and EVERYTHING.covers(5) and EVERYTHING.covers(None)


def test_a_fixed_scope_covers_its_guilds_only():
    scope = GuildScope.only(1)
    assert scope.covers(1) and not scope.covers(2) and not scope.covers(None)


def test_shards_follow_discords_routing():
    scope = GuildScope.shards(frozenset({1}), 2)
    assert scope.covers(ON_SHARD_1_OF_2) and not scope.covers(ON_SHARD_0_OF_2) and not scope.covers(None)

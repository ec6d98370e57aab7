"""The settings for several processes: shards, PostgreSQL, the REST budget and who syncs."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.scope import EVERYTHING
from bot.discord_adapter.heartbeat import heartbeat_path
from bot.reading.ports import Clock
from bot.services import Services
from bot.settings import Settings, SettingsError
from tests.reading.fakes import FakeDiscord


def settings(**env: str) -> Settings:
    return Settings.from_env(env_file=None, environ=env)


def test_one_process_by_default_on_sqlite():
    s = settings()
    assert s.guild_scope == EVERYTHING and s.syncs_commands
    assert s.database_target == Path("data/storyteller.db")
    assert heartbeat_path(s) == Path("data/storyteller.heartbeat")


def test_shards_name_the_servers_a_process_delivers_for():
    s = settings(SHARD_COUNT="4", SHARD_IDS="3, 1")
    assert s.shard_ids == (1, 3)
    assert s.guild_scope.covers((7 << 22) | 5) and not s.guild_scope.covers(6 << 22)  # shard 3 yes, 2 no
    assert not s.syncs_commands  # shard 0 is another process's
    assert heartbeat_path(s) == Path("data/storyteller.shards-1-3.heartbeat")
    every = settings(SHARD_COUNT="2")
    assert every.guild_scope.covers(0) and every.guild_scope.covers(1 << 22) and every.syncs_commands
    assert not settings(SHARD_COUNT="2", SHARD_IDS="0", SYNC_COMMANDS="false").syncs_commands


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SHARD_IDS": "0"}, "SHARD_IDS needs SHARD_COUNT"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "2"}, "from 0 to 1"),
        ({"SHARD_COUNT": "2", "SHARD_IDS": "one"}, "separated by commas"),
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT must be between 1"),
        ({"DATABASE_URL": "mysql://db/x"}, "postgresql:// URL"),
        ({"REST_RATE": "0"}, "REST_RATE must be between"),
        ({"SYNC_COMMANDS": "maybe"}, "true or false"),
    ],
)
def test_a_setting_that_cannot_be_used_is_named(env, message):
    with pytest.raises(SettingsError, match=message):
        settings(**env)


def test_the_url_is_the_target_and_never_shown_with_its_password():
    s = settings(DATABASE_URL="postgresql://bot:hunter2@db/storyteller")
    assert s.database_target == "postgresql://bot:hunter2@db/storyteller"
    assert "hunter2" not in repr(s)


async def test_the_rest_budget_and_claim_time_reach_the_engine(db):
    s = Settings(rest_rate=12.0, claim_seconds=5.0)
    readings = Services(s, db).readings(FakeDiscord(Clock.system()), Clock.system())
    assert readings.engine.queue.budget.rate == 12.0
    assert readings.engine.claims.ttl == 5.0


async def test_a_shard_process_runs_its_shards_and_delivers_only_their_readings(db):
    import discord

    from bot.discord_adapter.client import ShardedStoryBot, StoryBot, story_bot

    clock = Clock.system()
    sharded = story_bot(Services(settings(SHARD_COUNT="4", SHARD_IDS="1,2"), db), clock)
    assert isinstance(sharded, ShardedStoryBot) and isinstance(sharded, discord.AutoShardedClient)
    assert (sharded.shard_ids, sharded.shard_count) == ([1, 2], 4)
    jobs = sharded.readings.engine._jobs.values()
    assert {job.scope for job in jobs} == {settings(SHARD_COUNT="4", SHARD_IDS="1,2").guild_scope}
    single = story_bot(Services(settings(), db), clock)
    assert type(single) is StoryBot and {job.scope for job in single.readings.engine._jobs.values()} == {EVERYTHING}
    await sharded.close()
    await single.close()

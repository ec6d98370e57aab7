"""The bot: built with everything it needs, extensions loaded and commands synced in setup_hook."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging

import discord
from discord.ext import commands

from bot.app.wiring import App
from bot.discord_adapter.components import DYNAMIC_ITEMS
from bot.discord_adapter.publisher import DiscordPublisher
from bot.discord_adapter.ratelimits import RequestLimits
from bot.discord_adapter.tree import StoryTree
from bot.reading.ports import Clock
from bot.reading.stats import STATS_KEY
from bot.services import Services

log = logging.getLogger(__name__)

EXTENSIONS = (
    "bot.discord_adapter.cogs.reading",
    "bot.discord_adapter.cogs.library",
    "bot.discord_adapter.cogs.admin",
    "bot.discord_adapter.cogs.schedule",
    "bot.discord_adapter.cogs.catchup",
    "bot.discord_adapter.cogs.responses",
    "bot.discord_adapter.cogs.shelf",
)
SYNC_HASH_KEY = "command_tree_hash"


class StoryBot(commands.Bot):
    """Storyteller on Discord. Resources come in through the constructor, never as globals."""

    def __init__(self, *, services: Services, clock: Clock, **shards: object) -> None:
        intents = discord.Intents.default()  # no privileged intents, no message content
        # Every request discord.py sends, its own retries included, goes through the send queue's
        # global budget; a 429 that would make discord.py sleep 30 s or more is the queue's to retry.
        limits = RequestLimits(clock)
        super().__init__(
            http_trace=limits.trace,
            max_ratelimit_timeout=30.0,
            command_prefix=commands.when_mentioned,
            intents=intents,
            tree_cls=StoryTree,
            help_command=None,
            allowed_mentions=discord.AllowedMentions.none(),
            **shards,
        )
        self.services = services
        self.settings = services.settings
        self.clock = clock
        self.publisher = DiscordPublisher(self)
        self.readings = services.readings(self.publisher, clock, services.settings.guild_scope)
        self.limits = limits
        limits.attach(self.readings.engine.queue)
        self.app = App.build(services, self.readings, clock)  # every use case; cogs and buttons call these
        self._resume_task: asyncio.Task[None] | None = None
        self.skip_auto_sync = False  # the sync command syncs explicitly instead

    async def setup_hook(self) -> None:
        for extension in EXTENSIONS:
            await self.load_extension(extension)
        self.add_dynamic_items(*DYNAMIC_ITEMS)
        if not self.skip_auto_sync and self.settings.syncs_commands:
            await self.sync_commands_if_changed()
        await self.services.catalog.warm()
        self.limits.save_with(self._save_stats)  # for `python -m bot stats`
        # Never wait for ready here (it would deadlock); the task waits on its own.
        self._resume_task = asyncio.create_task(self._resume_readings(), name="resume-readings")

    def command_tree_hash(self) -> str:
        payload = [command.to_dict(self.tree) for command in self.tree.get_commands()]
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()

    async def sync_commands(self, guild_id: int | None = None) -> int:
        """Sync to one guild (instant) or globally; returns how many commands Discord holds."""
        if guild_id is not None:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
        else:
            synced = await self.tree.sync()
        return len(synced)

    @staticmethod
    def sync_hash_key(guild_id: int | None) -> str:
        return SYNC_HASH_KEY + (f":{guild_id}" if guild_id else "")

    async def sync_commands_if_changed(self) -> None:
        """Sync only when the command tree changed since the last sync: Discord limits creates per day."""
        current = self.command_tree_hash()
        key = self.sync_hash_key(self.settings.dev_guild_id)
        if await self.services.bot_state.get(key) == current:
            log.info("Commands unchanged since the last sync; not syncing")
            return
        count = await self.sync_commands(self.settings.dev_guild_id)
        await self.services.bot_state.set(key, current)
        where = f"guild {self.settings.dev_guild_id}" if self.settings.dev_guild_id else "all guilds"
        log.info("Synced %d commands to %s", count, where)

    async def _resume_readings(self) -> None:
        await self.wait_until_ready()
        await self.readings.start()
        active = await self.services.schedules.count_active(self.settings.guild_scope)
        log.info("Readings started; %d active schedules", active)

    async def on_ready(self) -> None:
        assert self.user is not None
        log.info("Logged in as %s (id %s) in %d guilds", self.user, self.user.id, len(self.guilds))

    async def _save_stats(self, snapshot: str) -> None:
        await self.services.bot_state.set(STATS_KEY, snapshot)

    async def close(self) -> None:
        if self._resume_task is not None:
            self._resume_task.cancel()
        await self.readings.close()  # deliveries stop at a message boundary and resume next start
        await super().close()
        if self.limits.stats.requests or self.limits.stats.exempt:
            log.info("Requests: %s", self.limits.stats.summary())
            await self.limits.save()


class ShardedStoryBot(StoryBot, commands.AutoShardedBot):
    """Storyteller running some of a sharded bot's shards: one gateway connection each, one process.

    Its readings are those of the guilds on its shards; the other processes deliver the rest.
    """

    def __init__(self, **options: object) -> None:
        super().__init__(**options)  # type: ignore[arg-type]
        # discord.py makes the shards' event queue in connect() and its close() uses it: a stop
        # before the first connection (SIGTERM during login) would fail without one already here.
        self._AutoShardedClient__queue: asyncio.PriorityQueue[object] = asyncio.PriorityQueue()


def story_bot(services: Services, clock: Clock) -> StoryBot:
    """The bot for this process: one connection, or the shards ``SHARD_COUNT`` and ``SHARD_IDS`` name."""
    settings = services.settings
    if settings.shard_count is None:
        return StoryBot(services=services, clock=clock)
    shard_ids = list(settings.shard_ids or range(settings.shard_count))
    log.info("Running shards %s of %d", ", ".join(map(str, shard_ids)), settings.shard_count)
    return ShardedStoryBot(services=services, clock=clock, shard_ids=shard_ids, shard_count=settings.shard_count)

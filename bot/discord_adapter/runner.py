"""Running the bot as a process: endpoints, logging, signals, and the sync command."""

from __future__ import annotations

import asyncio
import logging
import signal

import discord
import yarl

from bot.discord_adapter.client import StoryBot
from bot.reading.ports import Clock
from bot.services import Services
from bot.settings import Settings

log = logging.getLogger(__name__)


class RedactToken(logging.Filter):
    """Keeps the token out of every log line, whatever code tries to log it."""

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        if self.token and self.token in record.getMessage():
            record.msg = record.getMessage().replace(self.token, "[token hidden]")
            record.args = None
        return True


def setup_logging(settings: Settings) -> None:
    discord.utils.setup_logging(level=getattr(logging, settings.log_level), root=True)
    logging.getLogger("aiosqlite").setLevel(max(logging.INFO, logging.getLogger().level))
    redact = RedactToken(settings.discord_token)
    for handler in logging.getLogger().handlers:
        handler.addFilter(redact)


def use_endpoints(settings: Settings) -> None:
    """Point discord.py at a Discord-compatible server, when configured (tests run one on loopback)."""
    if settings.discord_api_base_url:
        discord.http.Route.BASE = settings.discord_api_base_url.rstrip("/")
    if settings.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


def build_bot(services: Services) -> StoryBot:
    return StoryBot(services=services, clock=Clock.system(now=discord.utils.utcnow))


async def run_bot(settings: Settings, services: Services) -> int:
    """Log in and serve until SIGINT or SIGTERM; readings stop at a message boundary."""
    use_endpoints(settings)
    bot = build_bot(services)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)
    async with bot:
        runner = asyncio.create_task(bot.start(settings.discord_token), name="discord")
        stopper = asyncio.create_task(stopping.wait(), name="signals")
        done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if stopper in done:
            log.info("Shutting down: readings stop after the message in flight and resume next start")
            await bot.close()
        stopper.cancel()
        try:
            await runner
        except discord.LoginFailure:
            log.error("Discord refused the token. Check DISCORD_TOKEN in .env (Bot → Reset Token).")
            return 1
    return 0


async def sync_commands(settings: Settings, services: Services, guild_id: int | None) -> int:
    """Log in over REST only, sync the command tree, and leave."""
    use_endpoints(settings)
    bot = build_bot(services)
    bot.skip_auto_sync = True
    async with bot:
        await bot.login(settings.discord_token)
        count = await bot.sync_commands(guild_id)
        await services.bot_state.set(bot.sync_hash_key(guild_id), bot.command_tree_hash())
    where = f"guild {guild_id}" if guild_id else "all guilds (global commands can take up to an hour to appear)"
    print(f"Synced {count} commands to {where}.")
    return 0

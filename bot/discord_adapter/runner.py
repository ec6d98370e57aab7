"""Running the bot as a process: endpoints, logging, signals, the heartbeat, the sync command and the login probe.

Network trouble never shows as a traceback: at login it ends the process with one line
(:class:`DiscordUnreachable`, :class:`TokenRefused`); once connected, discord.py reconnects by
itself with backoff, and :class:`OneLineNetworkErrors` turns each of its reconnect logs into
one line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from collections.abc import Iterator

import aiohttp
import discord
import yarl

from bot.core.errors import StorytellerError
from bot.discord_adapter.client import StoryBot, story_bot
from bot.discord_adapter.heartbeat import Heartbeat, heartbeat_path
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


# What a network, a DNS server or Discord itself can do to a connection: passing trouble, not bugs.
NETWORK_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    aiohttp.ClientError,
    asyncio.TimeoutError,
    discord.GatewayNotFound,
    discord.ConnectionClosed,
    discord.DiscordServerError,
)


def describe_network_error(exc: BaseException) -> str:
    """A network failure in a few words, without a traceback."""
    if isinstance(exc, discord.HTTPException):
        reason = getattr(exc.response, "reason", "") or ""
        said = exc.text.strip().splitlines()[0][:100] if exc.text.strip() and exc.status < 500 else ""
        return f"Discord answered {exc.status} {reason}".rstrip() + (f" ({said})" if said else "")
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return f"cannot resolve the host name {exc.host!r} (DNS failure)"
    if isinstance(exc, aiohttp.ClientConnectorError):
        error = exc.os_error
        why = os.strerror(error.errno) if error.errno else (error.strerror or str(error) or type(error).__name__)
        return f"cannot connect to {exc.host}:{exc.port} ({why})"
    if isinstance(exc, discord.ConnectionClosed):
        return f"the gateway closed the connection (code {exc.code})"
    if isinstance(exc, discord.GatewayNotFound):
        return "Discord did not give a gateway to connect to"
    if isinstance(exc, asyncio.TimeoutError):
        return "the connection timed out"
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


class OneLineNetworkErrors(logging.Filter):
    """A network failure logged by discord.py or aiohttp becomes one line, not a traceback.

    discord.py logs each gateway reconnect with ``log.exception``; here the traceback of a
    known network error is replaced by :func:`describe_network_error`, at WARNING (discord.py
    retries it with backoff). Bugs keep their tracebacks.
    """

    PREFIXES = ("discord", "aiohttp")

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if exc is not None and isinstance(exc, NETWORK_ERRORS) and record.name.split(".")[0] in self.PREFIXES:
            record.msg = f"{record.getMessage()} ({describe_network_error(exc)})"
            record.args = None
            record.exc_info = None
            record.exc_text = None
            if record.levelno > logging.WARNING:  # passing trouble discord.py retries, not a failure
                record.levelno, record.levelname = logging.WARNING, logging.getLevelName(logging.WARNING)
        return True


def setup_logging(settings: Settings) -> None:
    # discord.py colours its log whenever it thinks it runs in Docker, tty or not; a log that goes
    # to a file, a pipe or `docker logs` reads better without escape codes.
    plain = not sys.stderr.isatty() or "NO_COLOR" in os.environ
    formatter = logging.Formatter("{asctime} {levelname:<8} {name}: {message}", "%Y-%m-%d %H:%M:%S", style="{")
    discord.utils.setup_logging(
        level=getattr(logging, settings.log_level), root=True, formatter=formatter if plain else None
    )
    logging.getLogger("aiosqlite").setLevel(max(logging.INFO, logging.getLogger().level))
    one_line = OneLineNetworkErrors()
    redact = RedactToken(settings.discord_token)  # after one_line: it redacts the final text
    for handler in logging.getLogger().handlers:
        handler.addFilter(one_line)
        handler.addFilter(redact)


class TokenRefused(StorytellerError):
    """Discord answered 401 to the token."""

    exit_code = 1

    def __init__(self) -> None:
        super().__init__("Discord refused the token. Check DISCORD_TOKEN in .env (Bot → Reset Token).")


class DiscordUnreachable(StorytellerError):
    """Logging in failed on the network or on Discord's side; the message says which."""

    exit_code = 5

    def __init__(self, exc: BaseException, token: str) -> None:
        where = discord.http.Route.BASE
        what = describe_network_error(exc)
        if isinstance(exc, discord.DiscordServerError):
            advice = "Discord is having trouble, try again in a few minutes (https://discordstatus.com)"
        elif isinstance(exc, discord.HTTPException):
            advice = (
                "check DISCORD_API_BASE_URL if it is set, and that the bot was invited with the "
                "applications.commands scope"
            )
        else:
            advice = "check the network (and DISCORD_API_BASE_URL if it is set), then start again"
        text = f"cannot log in to Discord at {where}: {what}; {advice}"
        super().__init__(text.replace(token, "[token hidden]") if token else text)


@contextlib.contextmanager
def login_errors(token: str) -> Iterator[None]:
    """Logging in: a refused token or an unreachable Discord becomes one line."""
    try:
        yield
    except discord.LoginFailure:
        raise TokenRefused() from None
    except (*NETWORK_ERRORS, discord.HTTPException) as exc:
        raise DiscordUnreachable(exc, token) from None


async def _login(bot: StoryBot, token: str) -> None:
    """Log in over REST: a refused token or an unreachable Discord becomes one line."""
    with login_errors(token):
        await bot.login(token)


PROBE_TIMEOUT = 30.0  # seconds: longer than discord.py's own retries of a 500, 502 or 504


async def probe_login(settings: Settings) -> str:
    """``python -m bot check``: the login request alone (GET /users/@me); the bot user, as "name (id N)".

    Raises :class:`TokenRefused` or :class:`DiscordUnreachable`, as logging in does. Nothing else
    is sent: no gateway connection, no command sync.
    """
    use_endpoints(settings)
    http = discord.http.HTTPClient(asyncio.get_running_loop())
    try:
        with login_errors(settings.discord_token):
            async with asyncio.timeout(PROBE_TIMEOUT):
                user = await http.static_login(settings.discord_token)
    finally:
        await http.close()
    discriminator = user.get("discriminator", "0")
    name = user["username"] + (f"#{discriminator}" if discriminator not in ("0", "") else "")
    return f"{name} (id {user['id']})"


def use_endpoints(settings: Settings) -> None:
    """Point discord.py at a Discord-compatible server, when configured (tests run one on loopback)."""
    if settings.discord_api_base_url:
        discord.http.Route.BASE = settings.discord_api_base_url.rstrip("/")
    if settings.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.discord_gateway_url)


def gateway_connected(bot: discord.Client) -> bool:
    """Ready, and every gateway socket open: what the heartbeat vouches for."""
    if not bot.is_ready() or bot.is_closed():
        return False
    if isinstance(bot, discord.AutoShardedClient):
        return bool(bot.shards) and all(not shard.is_closed() for shard in bot.shards.values())
    return bot.ws is not None and bot.ws.open


def build_bot(services: Services) -> StoryBot:
    return story_bot(services, Clock.system(now=discord.utils.utcnow))


async def run_bot(settings: Settings, services: Services) -> int:
    """Log in and serve until SIGINT or SIGTERM; readings stop at a message boundary."""
    use_endpoints(settings)
    bot = build_bot(services)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stopping.set)

    async def serve() -> None:
        await _login(bot, settings.discord_token)
        try:
            await bot.connect(reconnect=True)
        except discord.LoginFailure:  # the gateway refused the token after REST took it
            raise TokenRefused() from None
        except NETWORK_ERRORS as exc:  # a gateway failure discord.py does not retry
            raise DiscordUnreachable(exc, settings.discord_token) from None

    async with bot, Heartbeat(heartbeat_path(settings), lambda: gateway_connected(bot)):
        runner = asyncio.create_task(serve(), name="discord")
        stopper = asyncio.create_task(stopping.wait(), name="signals")
        done, _ = await asyncio.wait({runner, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if stopper in done:
            log.info("Shutting down: readings stop after the message in flight and resume next start")
            await bot.close()
        stopper.cancel()
        try:
            await runner
        except (TokenRefused, DiscordUnreachable):
            if not stopping.is_set():  # a stop during login is a stop, not a failure
                raise
    return 0


async def sync_commands(settings: Settings, services: Services, guild_id: int | None) -> int:
    """Log in over REST only, sync the command tree, and leave."""
    use_endpoints(settings)
    bot = build_bot(services)
    bot.skip_auto_sync = True
    async with bot:
        await _login(bot, settings.discord_token)
        count = await bot.sync_commands(guild_id)
        await services.bot_state.set(bot.sync_hash_key(guild_id), bot.command_tree_hash())
    where = f"guild {guild_id}" if guild_id else "all guilds (global commands can take up to an hour to appear)"
    print(f"Synced {count} commands to {where}.")
    return 0

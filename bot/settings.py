"""Settings, read once from the environment and ``.env`` into a frozen object."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

from bot.core.installments import DEFAULT_MINUTES, DEFAULT_WORDS_PER_MINUTE
from bot.core.scope import EVERYTHING, GuildScope

DEFAULT_DATABASE = Path("data/storyteller.db")
DEFAULT_STORIES = Path("stories")
_LOG_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}


class SettingsError(ValueError):
    """A setting with a value Storyteller cannot use; the message names it."""


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything configurable, with defaults that work without a ``.env`` file."""

    discord_token: str = field(default="", repr=False)
    database_path: Path = DEFAULT_DATABASE
    stories_dir: Path = DEFAULT_STORIES
    log_level: str = "INFO"
    words_per_minute: int = DEFAULT_WORDS_PER_MINUTE
    installment_minutes: float = DEFAULT_MINUTES
    dev_guild_id: int | None = None
    discord_api_base_url: str | None = None
    discord_gateway_url: str | None = None
    max_upload_mb: float = 10.0  # the largest story file /import takes, attachment or link
    shelf_max_stories: int = 200  # stories one server may keep on its own shelf
    shelf_max_mb: float = 100.0  # and their total size
    fetch_timeout: float = 180.0  # seconds a link import may take before it is stopped
    database_url: str | None = field(default=None, repr=False)  # postgresql://…; None: SQLite at database_path
    shard_count: int | None = None  # None: one process, unsharded
    shard_ids: tuple[int, ...] | None = None  # the shards this process runs; None: all of shard_count
    rest_rate: float = 47.0  # REST requests per second this process allows itself (Discord allows 50 a bot)
    claim_seconds: float = 60.0  # how long a dead process's readings wait before another process takes them
    sync_commands: bool | None = None  # None: the process running shard 0 syncs

    @classmethod
    def from_env(cls, env_file: Path | None = Path(".env"), environ: Mapping[str, str] | None = None) -> Settings:
        """Settings from ``.env`` (if present) overlaid by the process environment."""
        values: dict[str, str] = {}
        if env_file is not None and env_file.is_file():
            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(os.environ if environ is None else environ)

        def get(name: str) -> str | None:
            value = values.get(name, "").strip()
            return value or None

        level = (get("LOG_LEVEL") or "INFO").upper()
        if level not in _LOG_LEVELS:
            raise SettingsError(f"LOG_LEVEL must be one of {', '.join(sorted(_LOG_LEVELS))}, not {level!r}")
        return cls(
            discord_token=get("DISCORD_TOKEN") or "",
            database_path=Path(get("DATABASE_PATH") or DEFAULT_DATABASE),
            stories_dir=Path(get("STORIES_DIR") or DEFAULT_STORIES),
            log_level=level,
            words_per_minute=_number(
                get("WORDS_PER_MINUTE"), "WORDS_PER_MINUTE", int, DEFAULT_WORDS_PER_MINUTE, 50, 1000
            ),
            installment_minutes=_number(
                get("INSTALLMENT_MINUTES"), "INSTALLMENT_MINUTES", float, DEFAULT_MINUTES, 0.5, 120
            ),
            dev_guild_id=_snowflake(get("DEV_GUILD_ID"), "DEV_GUILD_ID"),
            discord_api_base_url=get("DISCORD_API_BASE_URL"),
            discord_gateway_url=get("DISCORD_GATEWAY_URL"),
            max_upload_mb=_number(get("MAX_UPLOAD_MB"), "MAX_UPLOAD_MB", float, 10.0, 0.01, 500),
            shelf_max_stories=_number(get("SHELF_MAX_STORIES"), "SHELF_MAX_STORIES", int, 200, 0, 1_000_000),
            shelf_max_mb=_number(get("SHELF_MAX_MB"), "SHELF_MAX_MB", float, 100.0, 0, 100_000),
            fetch_timeout=_number(get("FETCH_TIMEOUT"), "FETCH_TIMEOUT", float, 180.0, 5, 3600),
            database_url=_database_url(get("DATABASE_URL")),
            **_shards(get("SHARD_COUNT"), get("SHARD_IDS")),
            rest_rate=_number(get("REST_RATE"), "REST_RATE", float, 47.0, 0.5, 10_000),
            claim_seconds=_number(get("CLAIM_SECONDS"), "CLAIM_SECONDS", float, 60.0, 2, 3600),
            sync_commands=_flag(get("SYNC_COMMANDS"), "SYNC_COMMANDS"),
        )

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def shelf_max_bytes(self) -> int:
        return int(self.shelf_max_mb * 1024 * 1024)

    @property
    def database_target(self) -> Path | str:
        """Where the database is: the PostgreSQL URL when set, else the SQLite file."""
        return self.database_url or self.database_path

    @property
    def guild_scope(self) -> GuildScope:
        """The servers this process delivers readings for: those on its shards."""
        if self.shard_count is None:
            return EVERYTHING
        return GuildScope.shards(frozenset(self.shard_ids or range(self.shard_count)), self.shard_count)

    @property
    def syncs_commands(self) -> bool:
        """Exactly one process of a sharded bot syncs the command tree: shard 0's, unless told."""
        if self.sync_commands is not None:
            return self.sync_commands
        return self.shard_count is None or 0 in (self.shard_ids or (0,))

    @property
    def has_token(self) -> bool:
        return bool(self.discord_token)

    @property
    def creates_database_folder(self) -> bool:
        """Only the default ``data/`` folder is made when missing; another missing folder is a mistake to report."""
        return self.database_path == DEFAULT_DATABASE


def _number(raw: str | None, name: str, kind: type, default: float, low: float, high: float):  # type: ignore[no-untyped-def]
    if raw is None:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number, not {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low:g} and {high:g}, not {raw}")
    return value


def _database_url(raw: str | None) -> str | None:
    if raw is None:
        return None
    if not raw.startswith(("postgresql://", "postgres://")):
        scheme = raw.split("://", 1)[0] if "://" in raw else "no scheme"
        raise SettingsError(
            f"DATABASE_URL must be a postgresql:// URL (got {scheme}); for SQLite set DATABASE_PATH instead"
        )
    return raw


def _shards(count: str | None, ids: str | None) -> dict[str, object]:
    if count is None:
        if ids is not None:
            raise SettingsError("SHARD_IDS needs SHARD_COUNT, the number of shards in all processes together")
        return {}
    shard_count = _number(count, "SHARD_COUNT", int, 1, 1, 100_000)
    if ids is None:
        return {"shard_count": shard_count}
    try:
        shard_ids = tuple(sorted({int(part) for part in ids.split(",") if part.strip()}))
    except ValueError:
        raise SettingsError(f"SHARD_IDS must be shard numbers separated by commas, not {ids!r}") from None
    wrong = [n for n in shard_ids if not 0 <= n < shard_count]
    if not shard_ids or wrong:
        raise SettingsError(f"SHARD_IDS must be numbers from 0 to {shard_count - 1} (SHARD_COUNT), not {ids!r}")
    return {"shard_count": shard_count, "shard_ids": shard_ids}


def _flag(raw: str | None, name: str) -> bool | None:
    if raw is None:
        return None
    value = raw.lower()
    if value not in ("true", "false", "1", "0", "yes", "no"):
        raise SettingsError(f"{name} must be true or false, not {raw!r}")
    return value in ("true", "1", "yes")


def _snowflake(raw: str | None, name: str) -> int | None:
    if raw is None:
        return None
    if not raw.isdigit():
        raise SettingsError(f"{name} must be a Discord ID (digits only), not {raw!r}")
    return int(raw)

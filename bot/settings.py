"""Settings, read once from the environment and ``.env`` into a frozen object."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

from bot.core.installments import DEFAULT_MINUTES, DEFAULT_WORDS_PER_MINUTE

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
        )

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)

    @property
    def shelf_max_bytes(self) -> int:
        return int(self.shelf_max_mb * 1024 * 1024)

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


def _snowflake(raw: str | None, name: str) -> int | None:
    if raw is None:
        return None
    if not raw.isdigit():
        raise SettingsError(f"{name} must be a Discord ID (digits only), not {raw!r}")
    return int(raw)

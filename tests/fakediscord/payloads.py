"""Ids, permission bits and the JSON shapes discord.py expects from Discord.

discord.py is strict in two ways that matter here: a key it reads with ``data[...]`` must be
present, and a ``null`` where it expects the key to be missing (``message.thread``, for one)
breaks parsing. So builders leave optional keys out instead of setting them to ``None``.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

APP_ID = "100000000000000001"
GUILD_ID = "100000000000000002"
CHANNEL_ID = "100000000000000003"
USER_ID = "100000000000000004"
AGE_RESTRICTED_CHANNEL_ID = "100000000000000005"
OWNER_ID = "100000000000000006"

# Permission bits (discord.Permissions), as the API sends them: decimal strings.
ADMINISTRATOR = 1 << 3
MANAGE_GUILD = 1 << 5
ADD_REACTIONS = 1 << 6
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
MANAGE_MESSAGES = 1 << 13
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
USE_APPLICATION_COMMANDS = 1 << 31
CREATE_PUBLIC_THREADS = 1 << 35
SEND_MESSAGES_IN_THREADS = 1 << 38

MEMBER_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | ADD_REACTIONS
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_APPLICATION_COMMANDS
    | CREATE_PUBLIC_THREADS
    | SEND_MESSAGES_IN_THREADS
)
EVERYONE_PERMS = str(MEMBER_PERMISSIONS)  # what @everyone (and so the bot and every member) may do

# Message flags and channel types used here.
EPHEMERAL = 1 << 6
LOADING = 1 << 7
GUILD_TEXT, DM, PUBLIC_THREAD = 0, 1, 11

DISCORD_EPOCH_MS = 1_420_070_400_000


def _user(user_id: str, username: str, global_name: str | None, *, bot: bool = False) -> dict[str, Any]:
    user: dict[str, Any] = {
        "id": user_id,
        "username": username,
        "discriminator": "0",
        "global_name": global_name,
        "avatar": None,
    }
    if bot:
        user["bot"] = True
    return user


BOT_USER = _user(APP_ID, "Storyteller", None, bot=True)
READER = _user(USER_ID, "reader", "Reader")
OWNER = _user(OWNER_ID, "owner", "Owner")


class Snowflakes:
    """Ids that carry their creation time, as Discord's do: ``history(after=datetime)`` relies on it."""

    def __init__(self) -> None:
        self._last = 0
        self._increment = itertools.count()

    def next(self) -> str:
        millis = int(time.time() * 1000) - DISCORD_EPOCH_MS
        value = max((millis << 22) | (next(self._increment) & 0xFFF), self._last + 1)
        self._last = value
        return str(value)


def snowflake_time(snowflake: str) -> str:
    """The ISO timestamp a snowflake was made at."""
    millis = (int(snowflake) >> 22) + DISCORD_EPOCH_MS
    return datetime.fromtimestamp(millis / 1000, UTC).isoformat()


def now_iso() -> str:
    return datetime.now(UTC).isoformat()


def member(user: dict[str, Any], *, roles: list[str] | None = None, permissions: int | None = None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "user": user,
        "roles": roles or [],
        "joined_at": "2026-01-01T00:00:00+00:00",
        "deaf": False,
        "mute": False,
        "flags": 0,
    }
    if permissions is not None:
        data["permissions"] = str(permissions)  # interactions carry the resolved channel permissions
    return data


def role(role_id: str, name: str, permissions: int, position: int = 0) -> dict[str, Any]:
    return {
        "id": role_id,
        "name": name,
        "permissions": str(permissions),
        "position": position,
        "color": 0,
        "hoist": False,
        "managed": False,
        "mentionable": False,
        "flags": 0,
    }


@dataclass
class Channel:
    """A guild text channel, a public thread (``parent_id`` set) or a DM (``recipient`` set)."""

    id: str
    name: str
    guild_id: str | None
    type: int = GUILD_TEXT
    nsfw: bool = False
    position: int = 0
    parent_id: str | None = None
    recipient: dict[str, Any] | None = None
    created: str = field(default_factory=now_iso)

    @property
    def is_thread(self) -> bool:
        return self.type == PUBLIC_THREAD

    def payload(self) -> dict[str, Any]:
        if self.type == DM:
            return {"id": self.id, "type": DM, "recipients": [self.recipient], "last_message_id": None}
        if self.is_thread:
            return {
                "id": self.id,
                "type": PUBLIC_THREAD,
                "guild_id": self.guild_id,
                "parent_id": self.parent_id,
                "owner_id": APP_ID,
                "name": self.name,
                "last_message_id": None,
                "rate_limit_per_user": 0,
                "message_count": 0,
                "member_count": 1,
                "total_message_sent": 0,
                "flags": 0,
                "thread_metadata": {
                    "archived": False,
                    "auto_archive_duration": 1440,
                    "archive_timestamp": self.created,
                    "locked": False,
                    "create_timestamp": self.created,
                },
            }
        return {
            "id": self.id,
            "type": self.type,
            "guild_id": self.guild_id,
            "name": self.name,
            "position": self.position,
            "permission_overwrites": [],
            "nsfw": self.nsfw,
            "rate_limit_per_user": 0,
            "topic": None,
            "parent_id": None,
            "last_message_id": None,
            "default_auto_archive_duration": 1440,
        }


@dataclass
class Guild:
    id: str
    name: str
    channels: dict[str, Channel] = field(default_factory=dict)
    roles: dict[str, dict[str, Any]] = field(default_factory=dict)

    def payload(self) -> dict[str, Any]:
        threads = [c.payload() for c in self.channels.values() if c.is_thread]
        return {
            "id": self.id,
            "name": self.name,
            "icon": None,
            "owner_id": OWNER_ID,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": list(self.roles.values()),
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "system_channel_flags": 0,
            "premium_tier": 0,
            "nsfw_level": 0,
            "preferred_locale": "en-US",
            "member_count": 3,
            "large": False,
            "unavailable": False,
            "joined_at": "2026-01-01T00:00:00+00:00",
            "members": [member(BOT_USER)],
            "presences": [],
            "voice_states": [],
            "threads": threads,
            "stage_instances": [],
            "guild_scheduled_events": [],
            "channels": [c.payload() for c in self.channels.values() if not c.is_thread],
        }


def message(
    message_id: str, channel: Channel, body: dict[str, Any], *, author: dict[str, Any] = BOT_USER
) -> dict[str, Any]:
    """A message as Discord returns it, made from a create (or callback) request body."""
    data: dict[str, Any] = {
        "id": message_id,
        "channel_id": channel.id,
        "author": author,
        "content": body.get("content") or "",
        "timestamp": snowflake_time(message_id),
        "edited_timestamp": None,
        "tts": False,
        "mention_everyone": False,
        "mentions": [],
        "mention_roles": [],
        "attachments": body.get("attachments") or [],
        "embeds": body.get("embeds") or [],
        "pinned": False,
        "type": 0,
        "flags": body.get("flags") or 0,
        "components": body.get("components") or [],
    }
    if channel.guild_id is not None:
        data["guild_id"] = channel.guild_id
    if body.get("nonce") is not None:
        data["nonce"] = body["nonce"]
    return data


def edit(original: dict[str, Any], body: dict[str, Any]) -> dict[str, Any]:
    """A message after an edit request: only the keys sent change."""
    edited = dict(original)
    for key in ("content", "embeds", "components", "attachments", "flags"):
        if key in body and body[key] is not None:
            edited[key] = body[key]
    edited["edited_timestamp"] = now_iso()
    return edited


def application() -> dict[str, Any]:
    return {
        "id": APP_ID,
        "name": "Storyteller",
        "description": "",
        "icon": None,
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": READER,
        "verify_key": "0" * 64,
        "flags": 0,
        "summary": "",
        "team": None,
    }

"""What the fake server records: posts, interactions and their answers, refused requests."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from tests.fakediscord.payloads import EPHEMERAL


@dataclass(frozen=True)
class Post:
    """A message the bot created in a channel (not an interaction reply)."""

    id: str
    channel_id: str
    content: str
    nonce: str | None
    at: float  # the server's monotonic clock when it accepted the post
    age_restricted: bool  # the channel's age restriction then (a thread's: its parent's)
    payload: dict[str, Any]  # the message as the server returned it

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return self.payload["embeds"]

    @property
    def components(self) -> list[dict[str, Any]]:
        return self.payload["components"]


@dataclass(frozen=True)
class Rejection:
    """A request the server refused for its content (HTTP 400), with Discord's error code."""

    method: str
    path: str
    code: int
    problems: tuple[str, ...]


@dataclass
class Interaction:
    """One interaction sent to the bot, and what the bot answered."""

    id: str
    token: str
    type: int  # 2 application command, 3 message component, 5 modal submit
    payload: dict[str, Any]
    sent_at: float
    response: dict[str, Any] | None = None  # the callback body: {"type": ..., "data": {...}}
    responded_at: float | None = None
    original: dict[str, Any] | None = None  # the message the response created or updated
    followups: list[dict[str, Any]] = field(default_factory=list)
    edits: list[dict[str, Any]] = field(default_factory=list)
    responded: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def response_type(self) -> int | None:
        return None if self.response is None else self.response["type"]

    @property
    def flags(self) -> int:
        data = (self.response or {}).get("data") or {}
        return int(data.get("flags") or 0)

    @property
    def ephemeral(self) -> bool:
        return bool(self.flags & EPHEMERAL)

    @property
    def data(self) -> dict[str, Any]:
        return (self.response or {}).get("data") or {}

    async def wait(self, within: float = 10.0) -> Interaction:
        """This record once the bot has answered (TimeoutError after ``within`` seconds)."""
        async with asyncio.timeout(within):
            await self.responded.wait()
        return self


class CommandRefused(Exception):
    """Discord itself would not deliver this interaction (permissions, age restriction, no such button)."""

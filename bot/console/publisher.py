"""The reading engine's publisher for a terminal: one channel, printed in order."""

from __future__ import annotations

import itertools
from datetime import datetime
from typing import TextIO

from bot.reading.ports import ChannelInfo

CONSOLE_GUILD = 1
CONSOLE_CHANNEL = 1


class ConsolePublisher:
    def __init__(self, out: TextIO, *, age_restricted: bool = False) -> None:
        self.out = out
        self.age_restricted = age_restricted
        self._ids = itertools.count(1)
        self._sent: dict[str, tuple[int, str]] = {}

    async def channel_info(self, channel_id: int) -> ChannelInfo:
        return ChannelInfo(channel_id, CONSOLE_GUILD, self.age_restricted)

    async def send(
        self,
        channel_id: int,
        text: str,
        *,
        nonce: str | None = None,
        more: tuple[int, int] | None = None,
        role: int | None = None,
    ) -> int:
        if nonce is not None and nonce in self._sent:
            return self._sent[nonce][0]
        message_id = next(self._ids)
        self.out.write(f"\n{text}\n")
        self.out.flush()
        if nonce is not None:
            self._sent[nonce] = (message_id, text)
        return message_id

    async def find_recent(self, channel_id: int, text: str, since: datetime) -> int | None:
        return next((mid for mid, sent in self._sent.values() if sent == text), None)

    async def start_thread(self, channel_id: int, message_id: int, name: str) -> int:
        self.out.write(f"\n── thread: {name} ──\n")
        return channel_id  # one terminal: a thread is a heading, and posts continue below it

    async def notify(self, guild_id: int, user_id: int, text: str) -> None:
        self.out.write(f"\n[to the admins] {text}\n")

    async def typing(self, channel_id: int) -> None:
        return None

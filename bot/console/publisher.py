"""The reading engine's publisher for a terminal: one channel, printed in order."""

from __future__ import annotations

import itertools
from typing import TextIO

from bot.reading.ports import ChannelInfo

CONSOLE_GUILD = 1
CONSOLE_CHANNEL = 1


class ConsolePublisher:
    def __init__(self, out: TextIO, *, age_restricted: bool = False) -> None:
        self.out = out
        self.age_restricted = age_restricted
        self._ids = itertools.count(1)

    async def channel_info(self, channel_id: int) -> ChannelInfo:
        return ChannelInfo(channel_id, CONSOLE_GUILD, self.age_restricted)

    async def send(self, channel_id: int, text: str) -> int:
        self.out.write(f"\n{text}\n")
        self.out.flush()
        return next(self._ids)

    async def typing(self, channel_id: int) -> None:
        return None

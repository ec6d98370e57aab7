"""The reading engine's publisher for a terminal: one channel, printed in order.

The console's channel keeps its last few messages in the data folder, as a Discord channel keeps
its history: a reading stopped between printing a message and recording it finds that message
there at the next start (``find_recent``) instead of printing it twice, and message ids keep
counting up across sessions, so posts recorded in the database never share an id.

Nonces are not used to drop a post: nothing printed can fail and be retried, and the nonces of live
readings repeat from one reading to the next (``l1p0`` is the first message of every reading here).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from datetime import datetime
from pathlib import Path
from typing import TextIO

from bot.reading.ports import ChannelInfo

CONSOLE_GUILD = 1
CONSOLE_CHANNEL = 1
KEEP = 5  # the last messages, where the one a stop interrupted can only be (posts go one at a time)


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class ConsolePublisher:
    def __init__(self, out: TextIO, *, age_restricted: bool = False, history: Path | None = None) -> None:
        self.out = out
        self.age_restricted = age_restricted
        self.history = history
        self._last_id = 0
        self._recent: list[tuple[int, str | None, str]] = []  # (message id, nonce, digest of the text)
        self._load()

    def _load(self) -> None:
        if self.history is None or not self.history.is_file():
            return
        try:
            data = json.loads(self.history.read_text(encoding="utf-8"))
            self._last_id = int(data["last_id"])
            self._recent = [(int(i), n, str(d)) for i, n, d in data["recent"]][-KEEP:]
        except (OSError, ValueError, KeyError, TypeError):
            self._last_id, self._recent = 0, []  # a damaged history only costs the duplicate check

    def _save(self) -> None:
        if self.history is None:
            return
        with contextlib.suppress(OSError):
            self.history.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.history.with_suffix(".tmp")
            temporary.write_text(json.dumps({"last_id": self._last_id, "recent": self._recent}), encoding="utf-8")
            os.replace(temporary, self.history)

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
        self._last_id += 1
        # Printed and remembered with no await in between: a stop never separates the two.
        self.out.write(f"\n{text}\n")
        self.out.flush()
        self._recent = [*self._recent, (self._last_id, nonce, _digest(text))][-KEEP:]
        self._save()
        return self._last_id

    async def find_recent(self, channel_id: int, text: str, since: datetime) -> int | None:
        digest = _digest(text)
        return next((mid for mid, _, sent in reversed(self._recent) if sent == digest), None)

    async def start_thread(self, channel_id: int, message_id: int, name: str) -> int:
        self.out.write(f"\n── thread: {name} ──\n")
        self.out.flush()
        return channel_id  # one terminal: a thread is a heading, and posts continue below it

    async def notify(self, guild_id: int, user_id: int, text: str) -> None:
        self.out.write(f"\n[to the admins] {text}\n")
        self.out.flush()

    async def typing(self, channel_id: int) -> None:
        return None

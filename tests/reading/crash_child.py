"""A serial reading in its own process, killed with SIGKILL at a chosen send (test helper).

    python -m tests.reading.crash_child DB STORIES LOG [CRASH_POINT]

Posts go to LOG, one JSON line each, written and fsynced before the send returns: that file
is "Discord", which outlives the process. With CRASH_POINT, the process kills itself at that
send (odd: before it reaches the log; even: after, before its id is recorded).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import sys
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from tests.reading.conftest import build_world
from tests.reading.fakes import EPOCH, FakeDiscord, Posted, VirtualClock


@dataclass
class FileDiscord(FakeDiscord):
    log: Path | None = None
    kill_at: int | None = None
    kill_before: bool = True

    def load(self) -> None:

        if self.log and self.log.exists():
            for line in self.log.read_text().splitlines():
                p = json.loads(line)
                self.posts.append(Posted(p["id"], p["channel"], p["text"], datetime.fromisoformat(p["at"]), p["nonce"]))
        self.sends = 0

    async def send(self, channel_id, text, *, nonce=None, **options):  # type: ignore[override]
        self.sends += 1
        if self.kill_at == self.sends and self.kill_before:
            os.kill(os.getpid(), signal.SIGKILL)
        before = len(self.posts)
        self.sends -= 1  # the fake's own send counts it again
        message_id = await super().send(channel_id, text, nonce=nonce, **options)
        if len(self.posts) > before and self.log:
            post = self.posts[-1]
            with self.log.open("a") as f:
                f.write(
                    json.dumps(
                        {
                            "id": post.id,
                            "channel": post.channel_id,
                            "text": post.text,
                            "at": post.at.isoformat(),
                            "nonce": post.nonce,
                        }
                    )
                    + "\n"
                )
                f.flush()
                os.fsync(f.fileno())
        if self.kill_at == self.sends and not self.kill_before:
            os.kill(os.getpid(), signal.SIGKILL)
        return message_id


async def main(db: Path, stories: Path, log: Path, crash: int | None) -> None:
    # Time resumes where the log left off, as a real clock would after a restart.
    discord = FileDiscord(clock=None, log=log)  # type: ignore[arg-type]
    discord.load()
    start = max((p.at for p in discord.posts), default=EPOCH) + timedelta(minutes=1)
    time = VirtualClock(start)
    discord.clock = time.clock
    discord._ids = itertools.count(len(discord.posts) + 1)
    world = await build_world(db, stories, discord, time)
    if await world.services.schedules.count_active() == 0 and not discord.posts:
        record = await world.story("the-long-watch")
        await world.serials.create(guild_id=1, channel_id=10, record=record, user_id=7, every="daily")
    if crash:
        discord.kill_at, discord.kill_before = (crash + 1) // 2, bool(crash % 2)
    await world.readings.start()
    await world.run_for(20 * 24 * 3600)
    await world.close()


if __name__ == "__main__":
    point = int(sys.argv[4]) if len(sys.argv) > 4 else None
    asyncio.run(main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), point))

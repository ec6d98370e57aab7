"""100,000 active schedules: memory, CPU while nothing is due, and restart to ready.

    python bench/bench_schedules.py [--schedules 100000] [--idle 10] [--engine sqlite|postgresql]

The schedules are written by a child process, so this process's memory and CPU
are the scheduler's alone: it opens the database, starts the dispatcher, and
waits with nothing due for ``--idle`` seconds.

``--engine postgresql`` writes them into a throwaway PostgreSQL cluster (tests/postgres.py)
instead of an SQLite file. The server is a process of its own there: its CPU while idle and its
memory (proportional set size, shared buffers counted once) are printed beside the bot's.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.engines import ENGINES, database_target, server_cpu_seconds, server_pss_mb
from bot.core.models import Chapter, Story, StoryMeta
from bot.core.schedule import parse_cadence
from bot.core.serials import NewSchedule
from bot.core.states import CatchUp
from bot.reading.ports import ChannelInfo, Clock
from bot.services import Services
from bot.settings import Settings
from bot.store.database import Database, is_postgresql


class NowhereToPost:
    """A publisher that must never be used: nothing is due during the benchmark."""

    async def channel_info(self, channel_id: int) -> ChannelInfo:
        raise AssertionError("nothing should be due")

    send = typing = find_recent = notify = channel_info


def settings_for(target: Path | str) -> Settings:
    if is_postgresql(target):
        return Settings(database_url=str(target))
    return Settings(database_path=Path(target))


async def populate(target: Path | str, count: int) -> None:
    db = await Database.open(target)
    services = Services(settings_for(target), db)
    now = datetime.now(UTC)
    story = Story(StoryMeta(title="Bench Serial", rating_raw="K"), (Chapter("1", ("Text.",)),))
    await services.stories.add_many([(story, "bench.txt")], source_format="bench", now=now)
    record = (await services.stories.all())[0]
    rng = random.Random(3)
    cadences = [parse_cadence("daily", "20:00"), parse_cadence("weekdays", "08:30"), parse_cadence("6 hours")]
    for start in range(0, count, 10_000):
        rows = []
        for n in range(start, min(count, start + 10_000)):
            due = now + timedelta(minutes=5, seconds=rng.randint(0, 7 * 24 * 3600))
            rows.append(
                NewSchedule(
                    guild_id=1 + n % 5000,
                    channel_id=100_000 + n,
                    story_id=record.id,
                    cadence=rng.choice(cadences),
                    timezone="Europe/Paris",
                    minutes=5.0,
                    catch_up=CatchUp.SHIFT,
                    role_id=None,
                    total=30,
                    first_due=due,
                    anchor=now,
                    created_by=1,
                )
            )
        await services.schedules.create_many(rows, now)
    await db.close()


async def serve(target: Path | str, idle: float) -> None:
    started = time.perf_counter()
    db = await Database.open(target)
    services = Services(settings_for(target), db)
    clock = Clock.system()
    readings = services.readings(NowhereToPost(), clock)
    await readings.start()
    alarm = readings.engine.alarm
    while alarm.until is None:  # noqa: ASYNC110 - ready: the dispatcher looked and went to sleep
        await asyncio.sleep(0.001)
    ready = time.perf_counter() - started
    active = await services.schedules.count_active()
    server = is_postgresql(target)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_before = usage.ru_utime + usage.ru_stime
    server_before = server_cpu_seconds(str(target)) if server else 0.0
    await asyncio.sleep(idle)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu_idle = usage.ru_utime + usage.ru_stime - cpu_before
    server_idle = server_cpu_seconds(str(target)) - server_before if server else 0.0
    print(f"engine:           {db.dialect.name}")
    print(f"active schedules: {active:,}")
    print(f"restart to ready: {ready:.2f} s (open, migrate, first due query, dispatcher asleep)")
    print(
        f"CPU while idle:   {cpu_idle * 1000:.1f} ms over {idle:.0f} s "
        f"(next due in {(alarm.until - clock.now()).total_seconds():.0f} s)"
    )
    print(f"peak memory:      {usage.ru_maxrss / 1024:.0f} MB (max RSS of this process)")
    if server:
        print(
            f"PostgreSQL:       {server_idle * 1000:.0f} ms of CPU while idle (clock ticks of 10 ms), "
            f"{server_pss_mb(str(target)):.0f} MB (PSS of its processes, shared buffers once)"
        )
    await readings.close()
    await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--schedules", type=int, default=100_000)
    parser.add_argument("--idle", type=float, default=10.0)
    parser.add_argument("--engine", choices=ENGINES, default="sqlite")
    parser.add_argument("--populate", help=argparse.SUPPRESS)  # a file path or a postgresql:// URL
    args = parser.parse_args()
    if args.populate:
        asyncio.run(populate(args.populate if is_postgresql(args.populate) else Path(args.populate), args.schedules))
        return
    with tempfile.TemporaryDirectory() as tmp, database_target(args.engine, Path(tmp), "schedules") as target:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, __file__, "--populate", str(target), "--schedules", str(args.schedules)], check=True
        )
        print(f"wrote {args.schedules:,} schedules in {time.perf_counter() - started:.1f} s (child process)")
        asyncio.run(serve(target, args.idle))


if __name__ == "__main__":
    main()

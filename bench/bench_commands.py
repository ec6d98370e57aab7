"""Command handling through SimCord (the real discord.py stack) with 10,000 stories.

    python bench/bench_commands.py [--stories 10000] [--runs 300] [--engine sqlite|postgresql]

Times each interaction from the user's invocation until the bot's response is
in: for /story that is the story card, the moment before the first post; for
autocomplete the choices. It also prints the time until SimCord finds the bot
settled, which for /story takes in the delivery engine's first step of the
reading after the card.

Through SimCord on PostgreSQL the times drift upwards over a run, so the medians of each
50 invocations are printed too: SimCord arms a real timer beside every timer the bot
schedules and leaves it armed when the bot cancels its own, and asyncpg schedules one per
query (its command timeout), so the loop holds thousands and SimCord's settle checks scan
them all (docs/benchmarks.md). SQLite's driver arms none and its row stays flat.

``--engine postgresql`` runs the same on a throwaway PostgreSQL cluster (tests/postgres.py)
instead of an SQLite file, after an ``ANALYZE`` (``--no-analyze``: with no statistics yet).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import discord
import simcord

from bench.bench_search import build
from bench.engines import ENGINES, analyze, database_target
from bot.core.states import Control
from bot.discord_adapter.client import StoryBot
from bot.reading.ports import Clock
from bot.services import Services
from bot.settings import Settings
from bot.store.database import Database

# SimCord's settle timeout. It also decides what "settled" means: a timer due after it (the card's
# pause before a reading's first post) counts as parked, one due before it is waited for.
SETTLE_TIMEOUT = 0.5
BLOCK = 50


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


class ResponseClock:
    """When the bot's last interaction response went out: the card for /story, the choices for autocomplete."""

    def __init__(self) -> None:
        self.at = 0.0
        for name in ("send_message", "autocomplete"):
            self._stamp(name)

    def _stamp(self, name: str) -> None:
        original = getattr(discord.InteractionResponse, name)

        async def stamped(response, *args, **kwargs):  # type: ignore[no-untyped-def]
            result = await original(response, *args, **kwargs)
            self.at = time.perf_counter()
            return result

        setattr(discord.InteractionResponse, name, stamped)


async def response_after(responded: ResponseClock, start: float, env: simcord.Env, within: float = 30.0) -> None:
    """After SimCord gave up waiting: until the response is in (SystemExit if never), then settled again."""
    while responded.at == start:
        if time.perf_counter() - start > within:
            raise SystemExit(f"no response within {within:g} s:\n{env.transcript()[-2000:]}")
        await asyncio.sleep(0.001)  # the bot's tasks run meanwhile
    for _ in range(20):
        with suppress(TimeoutError):
            await env.settle()
            return


async def close(db: Database, within: float = 10.0) -> None:
    """Close the database; give up after ``within`` seconds. On PostgreSQL ``close`` waits for every
    pooled connection to come back, and one a bot task held when SimCord stopped it may never come."""
    try:
        await asyncio.wait_for(db.close(), within)
    except TimeoutError:
        print(f"(the database did not close within {within:g} s: a connection was never released)", file=sys.stderr)


async def main(target: Path | str, stories_dir: Path, count: int, runs: int, statistics_first: bool) -> None:
    responded = ResponseClock()
    rng = random.Random(5)
    if isinstance(target, str):
        settings = Settings(database_url=target, stories_dir=stories_dir)
    else:
        settings = Settings(database_path=target, stories_dir=stories_dir)
    db = await Database.open(settings.database_target)
    try:
        services = Services(settings, db)
        titles = await build(services.stories, count, rng, paragraphs=20)
        slugs = [r.slug for r in (await services.stories.browse(limit=count))[0]]
        print(f"library: {len(slugs)} stories on {db.dialect.name} ({datetime.now(UTC):%Y-%m-%d})")
        if statistics_first and await analyze(db):
            print("ANALYZE run after the build (as autovacuum would soon after); --no-analyze to skip it")
        bot = StoryBot(services=services, clock=Clock.system())
        async with simcord.run(bot, settle_timeout=SETTLE_TIMEOUT) as env:
            guild = env.create_guild()
            members = [guild.add_member(env.create_user(f"reader{n}")) for n in range(runs)]
            channels = [guild.create_text_channel(f"reading-{n}") for n in range(runs)]
            timings: dict[str, list[float]] = {"/story": [], "/summary": [], "/rating": [], "autocomplete": []}
            settled: dict[str, list[float]] = {name: [] for name in timings}
            timeouts = dict.fromkeys(timings, 0)
            for n in range(runs):
                slug, member, channel = rng.choice(slugs), members[n], channels[n]
                for name, call in (
                    ("/story", member.slash(channel, "story", title=slug)),
                    ("/summary", member.slash(channel, "summary", title=slug)),
                    ("/rating", member.slash(channel, "rating", title=slug)),
                    (
                        "autocomplete",
                        member.autocomplete(channel, "story", "title", rng.choice(titles)[: rng.randint(2, 8)]),
                    ),
                ):
                    start = responded.at = time.perf_counter()  # a coroutine does nothing until awaited
                    try:
                        await call
                    except TimeoutError:  # SimCord stopped waiting for the bot to settle; wait for it here
                        timeouts[name] += 1
                        await response_after(responded, start, env)
                    done = time.perf_counter()
                    timings[name].append((responded.at - start) * 1000)
                    settled[name].append((done - start) * 1000)
                if await services.live_readings.get(channel.id) is None:
                    raise SystemExit(f"/story {slug} did not start a reading:\n{env.transcript()[-2000:]}")
                await bot.readings.live.control(channel.id, Control.STOP)
            for name, values in timings.items():
                print(
                    f"{name:<13} p50 {statistics.median(values):6.2f} ms   p99 {percentile(values, 99):6.2f} ms"
                    f"   (n={len(values)})"
                )
            print(f"p50 of each {BLOCK} invocations in turn (a drift shows as a rising row):")
            for name, values in timings.items():
                blocks = [statistics.median(values[i : i + BLOCK]) for i in range(0, len(values), BLOCK)]
                print(f"  {name:<13} " + " ".join(f"{b:6.1f}" for b in blocks) + " ms")
            for name, values in settled.items():
                late = f", {timeouts[name]} past SimCord's {SETTLE_TIMEOUT:g} s" if timeouts[name] else ""
                print(
                    f"{name + ' settled':<21} p50 {statistics.median(values):6.2f} ms   "
                    f"p99 {percentile(values, 99):6.2f} ms{late}"
                )
            print("(settled: until SimCord finds the bot idle; for /story that includes the reading's first step)")
            slowest = sorted(((v, name) for name, values in timings.items() for v in values), reverse=True)[:5]
            print("slowest responses: " + ", ".join(f"{name} {v:.0f} ms" for v, name in slowest))
    finally:
        await close(db)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stories", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--engine", choices=ENGINES, default="sqlite")
    parser.add_argument("--no-analyze", action="store_true", help="PostgreSQL: run before it has statistics")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, database_target(args.engine, Path(tmp), "bench") as target:
        asyncio.run(main(target, Path(tmp) / "stories", args.stories, args.runs, not args.no_analyze))

"""Command handling through SimCord (the real discord.py stack) with 10,000 stories.

    python bench/bench_commands.py [--stories 10000] [--runs 300]

Times each interaction from the user's invocation until the bot's response is
in: for /story that is the story card, the moment before the first post. For
/story it also prints the time until SimCord finds the bot settled, which takes
in the delivery engine's first step of the reading after the card.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import discord
import simcord

from bench.bench_search import build
from bot.core.states import Control
from bot.discord_adapter.client import StoryBot
from bot.reading.ports import Clock
from bot.services import Services
from bot.settings import Settings
from bot.store.database import Database


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


class ResponseClock:
    """When the bot's last interaction response went out (the card, for /story)."""

    def __init__(self) -> None:
        self.at = 0.0
        original = discord.InteractionResponse.send_message

        async def send_message(response, *args, **kwargs):  # type: ignore[no-untyped-def]
            result = await original(response, *args, **kwargs)
            self.at = time.perf_counter()
            return result

        discord.InteractionResponse.send_message = send_message  # type: ignore[method-assign]


async def main(count: int, runs: int) -> None:
    responded = ResponseClock()
    rng = random.Random(5)
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(database_path=Path(tmp) / "bench.db", stories_dir=Path(tmp) / "stories")
        db = await Database.open(settings.database_path)
        services = Services(settings, db)
        titles = await build(services.stories, count, rng, paragraphs=20)
        slugs = [r.slug for r in (await services.stories.browse(limit=count))[0]]
        print(f"library: {len(slugs)} stories ({datetime.now(UTC):%Y-%m-%d})")
        bot = StoryBot(services=services, clock=Clock.system())
        async with simcord.run(bot, settle_timeout=0.5) as env:
            guild = env.create_guild()
            members = [guild.add_member(env.create_user(f"reader{n}")) for n in range(runs)]
            channels = [guild.create_text_channel(f"reading-{n}") for n in range(runs)]
            timings: dict[str, list[float]] = {"/story": [], "/summary": [], "/rating": [], "autocomplete": []}
            settled: list[float] = []
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
                    start = time.perf_counter()  # a coroutine does nothing until awaited
                    await call
                    done = time.perf_counter()
                    if name == "/story":  # the card; then the reading starts in the background
                        timings[name].append((responded.at - start) * 1000)
                        settled.append((done - start) * 1000)
                    else:
                        timings[name].append((done - start) * 1000)
                if await services.live_readings.get(channel.id) is None:
                    raise SystemExit(f"/story {slug} did not start a reading:\n{env.transcript()[-2000:]}")
                await bot.readings.live.control(channel.id, Control.STOP)
            for name, values in timings.items():
                print(
                    f"{name:<13} p50 {statistics.median(values):6.2f} ms   p99 {percentile(values, 99):6.2f} ms"
                    f"   (n={len(values)})"
                )
            print(
                f"{'/story settled':<13} p50 {statistics.median(settled):6.2f} ms   "
                f"p99 {percentile(settled, 99):6.2f} ms"
                "   (until SimCord finds the bot idle: the reading's first step included)"
            )
        await db.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stories", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    asyncio.run(main(args.stories, args.runs))

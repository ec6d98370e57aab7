"""Autocomplete-style title search over a library of 100,000 stories.

    python bench/bench_search.py [--stories 100000] [--queries 2000]

Each query is what a reader has typed so far: the first 2 to 8 letters of a
title's words. Prints p50/p95/p99 latency of ``StoryRepository.title_matches``.
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

from bench.library_gen import FANDOMS, paragraph, title
from bot.core.models import Chapter, Story, StoryMeta
from bot.store.database import Database
from bot.store.stories import StoryRepository


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


async def build(repo: StoryRepository, count: int, rng: random.Random, paragraphs: int = 1) -> list[str]:
    titles = []
    now = datetime.now(UTC)
    batch: list[tuple[Story, str]] = []
    for n in range(count):
        name = title(rng, n)
        titles.append(name)
        meta = StoryMeta(
            title=name, author=f"Author {n % 997}", fandom=rng.choice(FANDOMS), rating_raw="T", summary=paragraph(rng)
        )
        body = tuple(paragraph(rng) for _ in range(paragraphs))
        batch.append((Story(meta, (Chapter("One", body),)), f"gen/{n}.txt"))
        if len(batch) == 5000:
            await repo.add_many(batch, source_format="bench", now=now)
            batch = []
    await repo.add_many(batch, source_format="bench", now=now)
    return titles


async def main(count: int, queries: int) -> None:
    rng = random.Random(11)
    with tempfile.TemporaryDirectory() as tmp:
        async with await Database.open(Path(tmp) / "search.db") as db:
            repo = StoryRepository(db)
            start = time.perf_counter()
            titles = await build(repo, count, rng)
            print(f"library: {count} stories built in {time.perf_counter() - start:.1f} s")
            timings, empty = [], 0
            for _ in range(queries):
                words = rng.choice(titles).split()
                typed = " ".join(words[: rng.randint(1, 2)])
                typed = typed[: rng.randint(2, max(2, len(typed)))]
                start = time.perf_counter()
                found = await repo.title_matches(typed)
                timings.append((time.perf_counter() - start) * 1000)
                empty += not found
            print(
                f"title search ({queries} queries, {empty} with no match): "
                f"p50 {statistics.median(timings):.2f} ms, p95 {percentile(timings, 95):.2f} ms, "
                f"p99 {percentile(timings, 99):.2f} ms, max {max(timings):.2f} ms"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=2000)
    args = parser.parse_args()
    asyncio.run(main(args.stories, args.queries))

"""Autocomplete-style title search over a library of 100,000 stories.

    python bench/bench_search.py [--stories 100000] [--queries 2000] [--engine sqlite|postgresql]

Each query is what a reader has typed so far: the first 2 to 8 letters of a
title's words. Prints p50/p95/p99 latency of ``StoryRepository.title_matches``.

Two more lines exercise the full-text index, which those queries never reach (some
25 titles always start with what was typed, so the word search is not needed):
"later words" types the end of a title (its last word and the start of its number,
``home 12``), which no title starts with, so ``title_matches`` goes on to the word
search of the titles; "ranked search" sends the same text to ``StoryRepository.search``
(every field, best match first: what autocomplete adds when fewer than 25 titles came,
and what ``/story`` asks when the text is not a slug). ``--engine postgresql`` runs all
three on a throwaway PostgreSQL cluster (tests/postgres.py) instead of an SQLite file,
after an ``ANALYZE`` (``--no-analyze``: with no statistics, as just after a bulk import).
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

from bench.engines import ENGINES, analyze, database_target
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


def later_words(rng: random.Random, titles: list[str]) -> str:
    """The end of a title as a reader might type it: its last word and the first digits of its number."""
    words = rng.choice(titles).split()
    number = words[-1]
    return f"{words[-2]} {number[: rng.randint(1, len(number))]}"


def report(name: str, timings: list[float], empty: int) -> None:
    print(
        f"{name} ({len(timings)} queries, {empty} with no match): "
        f"p50 {statistics.median(timings):.2f} ms, p95 {percentile(timings, 95):.2f} ms, "
        f"p99 {percentile(timings, 99):.2f} ms, max {max(timings):.2f} ms"
    )


async def main(target: Path | str, count: int, queries: int, ranked: int, statistics_first: bool) -> None:
    rng = random.Random(11)
    async with await Database.open(target) as db:
        repo = StoryRepository(db)
        start = time.perf_counter()
        titles = await build(repo, count, rng)
        print(f"library: {count} stories built in {time.perf_counter() - start:.1f} s on {db.dialect.name}")
        if statistics_first and await analyze(db):
            print("ANALYZE run after the build (as autovacuum would soon after); --no-analyze to skip it")
        timings, empty = [], 0
        for _ in range(queries):
            words = rng.choice(titles).split()
            typed = " ".join(words[: rng.randint(1, 2)])
            typed = typed[: rng.randint(2, max(2, len(typed)))]
            start = time.perf_counter()
            found = await repo.title_matches(typed)
            timings.append((time.perf_counter() - start) * 1000)
            empty += not found
        report("title search", timings, empty)
        later = random.Random(13)  # its own generator: the line above keeps its queries
        timings, empty = [], 0
        for _ in range(queries):
            typed = later_words(later, titles)
            start = time.perf_counter()
            found = await repo.title_matches(typed)
            timings.append((time.perf_counter() - start) * 1000)
            empty += not found
        report("later words, title search", timings, empty)
        timings, empty = [], 0
        for _ in range(ranked):
            typed = later_words(later, titles)
            start = time.perf_counter()
            records = await repo.search(typed)
            timings.append((time.perf_counter() - start) * 1000)
            empty += not records
        report("later words, ranked search", timings, empty)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stories", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--ranked", type=int, default=200, help="queries for the ranked search line")
    parser.add_argument("--engine", choices=ENGINES, default="sqlite")
    parser.add_argument("--no-analyze", action="store_true", help="PostgreSQL: query before it has statistics")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, database_target(args.engine, Path(tmp), "search") as target:
        asyncio.run(main(target, args.stories, args.queries, args.ranked, not args.no_analyze))

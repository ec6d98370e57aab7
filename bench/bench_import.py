"""Import throughput, unchanged re-import and peak memory on a ~100 MB, 1,000-story library.

python bench/bench_import.py [--stories 1000] [--kib 100]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.library_gen import write_library
from bot.library.importer import Importer, Outcome
from bot.store.database import Database
from bot.store.stories import StoryRepository


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def main(count: int, kib: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "stories"
        total = write_library(folder, count, kib * 1024)
        print(f"library: {count} stories, {total / 1e6:.1f} MB")
        async with await Database.open(Path(tmp) / "bench.db") as db:
            importer = Importer(StoryRepository(db), folder, lambda: datetime.now(UTC))
            start = time.perf_counter()
            report = await importer.import_paths()
            first = time.perf_counter() - start
            assert report.count(Outcome.IMPORTED) == count, report.summary()
            start = time.perf_counter()
            again = await importer.import_paths()
            second = time.perf_counter() - start
            assert again.count(Outcome.UNCHANGED) == count, again.summary()
        print(f"import:    {first:.2f} s, {total / 1e6 / first:.1f} MB/s, {count / first:.0f} stories/s")
        print(f"re-import: {second:.2f} s (all unchanged)")
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"peak RSS:  {peak_mb():.0f} MB (this process), {children:.0f} MB (largest parsing worker)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stories", type=int, default=1000)
    parser.add_argument("--kib", type=int, default=100)
    args = parser.parse_args()
    asyncio.run(main(args.stories, args.kib))

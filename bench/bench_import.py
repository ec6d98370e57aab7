"""Import cost beside a plain baseline run at the same time, unchanged re-import, peak memory.

python bench/bench_import.py                      # 1,000 stories of ~100 KiB (~100 MB)
python bench/bench_import.py --small              # 10,000 stories of 1.5 to 4 KB
python bench/bench_import.py --small --runs 6     # median and range over six runs

Each run imports the library into a new database, then imports it again unchanged. Beside it
(just before it, on the same files, so both meet the same machine load) runs the plain baseline
the issue names: read each file, hash it (SHA-256), and insert a row into an SQLite table with
an FTS5 index, all in one transaction. The ratio import / baseline is the cost of what the
importer adds: parsing, the story's chapters, tags and search row, the report.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.library_gen import write_library
from bot.library.importer import Importer, Outcome
from bot.library.loader import scan_folder
from bot.store.database import Database
from bot.store.stories import StoryRepository


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def plain_baseline(folder: Path, db_path: Path) -> float:
    """Seconds to read, hash and insert every story file with an FTS5 index, in one transaction.

    The table holds path, hash and text; the FTS5 index holds the first line (the title line)
    and the path, as the library's index holds titles and names rather than whole bodies.
    """
    start = time.perf_counter()
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("CREATE TABLE files (id INTEGER PRIMARY KEY, path TEXT UNIQUE, hash TEXT, text TEXT)")
    conn.execute("CREATE VIRTUAL TABLE files_search USING fts5(path, title)")
    conn.execute("BEGIN IMMEDIATE")
    for n, path in enumerate(sorted(folder.iterdir()), 1):
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        text = data.decode("utf-8")
        conn.execute("INSERT INTO files VALUES (?, ?, ?, ?)", (n, path.name, digest, text))
        conn.execute(
            "INSERT INTO files_search (rowid, path, title) VALUES (?, ?, ?)", (n, path.name, text.split("\n", 1)[0])
        )
    conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - start


def plain_unchanged(folder: Path) -> float:
    """Seconds to list the folder and stat every file: the least any unchanged check can do."""
    start = time.perf_counter()
    for path in scan_folder(folder).stories:
        path.stat()
    return time.perf_counter() - start


async def one_run(folder: Path, tmp: Path, run: int, count: int) -> tuple[float, float, float, float]:
    baseline = plain_baseline(folder, tmp / f"plain-{run}.db")
    floor = plain_unchanged(folder)
    async with await Database.open(tmp / f"bench-{run}.db") as db:
        importer = Importer(StoryRepository(db), folder, lambda: datetime.now(UTC))
        start = time.perf_counter()
        report = await importer.import_paths()
        first = time.perf_counter() - start
        assert report.count(Outcome.IMPORTED) == count, report.summary()
        start = time.perf_counter()
        again = await importer.import_paths()
        second = time.perf_counter() - start
        assert again.count(Outcome.UNCHANGED) == count, again.summary()
    return baseline, first, floor, second


def spread(values: list[float], unit: str = " s", digits: int = 2) -> str:
    return f"median {statistics.median(values):.{digits}f}{unit} ({min(values):.{digits}f} to {max(values):.{digits}f})"


async def main(count: int, kib: float, smallest: int | None, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        folder = tmp / "stories"
        total = write_library(folder, count, int(kib * 1024), smallest=smallest)
        sizes = [p.stat().st_size for p in folder.iterdir()]
        print(f"library: {count} stories, {total / 1e6:.1f} MB, {min(sizes)} to {max(sizes)} bytes each")
        await asyncio.sleep(2.1)  # let the files age past the importer's 2 s modification-time guard
        rows = []
        for run in range(1, runs + 1):
            baseline, first, floor, second = await one_run(folder, tmp, run, count)
            rows.append((baseline, first, floor, second))
            print(
                f"run {run}: baseline {baseline:.2f} s, import {first:.2f} s ({first / baseline:.1f}x, "
                f"{total / 1e6 / first:.1f} MB/s, {count / first:.0f} stories/s); "
                f"unchanged: stat floor {floor:.3f} s, re-import {second:.3f} s"
            )
        baselines, firsts, floors, seconds = (list(c) for c in zip(*rows, strict=True))
        ratios = [f / b for b, f in zip(baselines, firsts, strict=True)]
        print(f"plain baseline:   {spread(baselines)}")
        print(f"import:           {spread(firsts)}; {spread([total / 1e6 / f for f in firsts], ' MB/s', 1)}")
        print(f"import/baseline:  {spread(ratios, 'x', 1)}")
        print(f"stat floor:       {spread(floors, ' s', 3)}")
        print(f"unchanged again:  {spread(seconds, ' s', 3)}")
        # Parsing workers are the fork server's children, not this process's: their memory is not counted.
        print(f"peak RSS:         {peak_mb():.0f} MB (this process, baseline and generator included)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stories", type=int, help="default 1000, or 10000 with --small")
    parser.add_argument("--kib", type=float, help="size of each story, default 100, or 3.7 with --small")
    parser.add_argument("--small", action="store_true", help="stories of 1.5 to 4 KB")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    count = args.stories or (10_000 if args.small else 1000)
    kib = args.kib or (3.7 if args.small else 100)
    asyncio.run(main(count, kib, 1400 if args.small else None, args.runs))

"""Start to ready with a large stories folder: open the database, import the unchanged folder.

python bench/bench_startup.py [--stories 10000] [--runs 6]

What ``python -m bot`` does before it connects to Discord, timed in this process (database open
with its checks and migrations, then ``Importer.import_paths()`` on the stories folder, every
file unchanged), and as a whole ``python -m bot import`` process (interpreter start and module
imports included). Beside each run, the floor any start must pay: list the folder, stat every
file, open SQLite and read each story's path, hash and stamp.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import statistics
import subprocess
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

ROOT = Path(__file__).resolve().parent.parent


def floor(folder: Path, db_path: Path) -> float:
    start = time.perf_counter()
    for path in scan_folder(folder).stories:
        path.stat()
    conn = sqlite3.connect(db_path)
    conn.execute(
        "SELECT id, slug, source_path, content_hash, source_size, source_mtime_ns, sidecar_size, sidecar_mtime_ns "
        "FROM stories"
    ).fetchall()
    conn.close()
    return time.perf_counter() - start


async def ready(folder: Path, db_path: Path, count: int) -> tuple[float, float]:
    """Seconds to open the database, and to import the unchanged folder."""
    start = time.perf_counter()
    async with await Database.open(db_path) as db:
        opened = time.perf_counter() - start
        report = await Importer(StoryRepository(db), folder, lambda: datetime.now(UTC)).import_paths()
        total = time.perf_counter() - start
    assert report.count(Outcome.UNCHANGED) == count, report.summary()
    return opened, total


def process(folder: Path, db_path: Path) -> float:
    """Seconds for ``python -m bot import`` as a whole process, output discarded."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_")}
    env.update(PYTHONPATH=str(ROOT), STORIES_DIR=str(folder), DATABASE_PATH=str(db_path))
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bot", "import"], env=env, cwd=folder.parent, stdout=subprocess.DEVNULL, check=True
    )
    return time.perf_counter() - start


def spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.3f} s ({min(values):.3f} to {max(values):.3f})"


async def main(count: int, runs: int) -> None:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        folder = tmp / "stories"
        write_library(folder, count, int(3.7 * 1024), smallest=1400)
        then = time.time() - 60  # files that have sat in the folder a while
        for path in folder.iterdir():
            os.utime(path, (then, then))
        db_path = tmp / "storyteller.db"
        async with await Database.open(db_path) as db:
            first = await Importer(StoryRepository(db), folder, lambda: datetime.now(UTC)).import_paths()
        assert first.count(Outcome.IMPORTED) == count, first.summary()
        print(f"library: {count} stories in {folder.name}/, database {db_path.stat().st_size / 1e6:.1f} MB")
        rows = []
        for run in range(1, runs + 1):
            base = floor(folder, db_path)
            opened, total = await ready(folder, db_path, count)
            whole = process(folder, db_path)
            rows.append((base, opened, total, whole))
            print(
                f"run {run}: floor {base:.3f} s; open {opened:.3f} s, ready {total:.3f} s; "
                f"`python -m bot import` {whole:.3f} s"
            )
        bases, opens, totals, wholes = (list(c) for c in zip(*rows, strict=True))
        print(f"floor (list, stat, read rows):   {spread(bases)}")
        print(f"database open:                   {spread(opens)}")
        print(f"start to ready (open + import):  {spread(totals)}")
        print(f"python -m bot import (process):  {spread(wholes)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stories", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=6)
    args = parser.parse_args()
    asyncio.run(main(args.stories, args.runs))

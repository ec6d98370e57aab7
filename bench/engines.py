"""The database a benchmark runs on: an SQLite file, or a throwaway PostgreSQL cluster.

    with database_target("postgresql", folder, "bench") as target:
        db = await Database.open(target)

For PostgreSQL a cluster is made with ``tests/postgres.py`` (initdb into a temporary folder,
a free loopback port, ``fsync=off``: as the tests run it), a database is created in it, and
the cluster is stopped and deleted afterwards. :func:`server_cpu_seconds` is the CPU the
cluster's processes have used, for benchmarks that must count the server's share too.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

ENGINES = ("sqlite", "postgresql")


@contextmanager
def postgres_cluster() -> Iterator[object]:
    """A throwaway cluster (``tests.postgres.Cluster``); SystemExit where PostgreSQL is not installed."""
    from tests.postgres import find_binaries, throwaway_cluster

    binaries = find_binaries()
    if binaries is None:
        raise SystemExit("PostgreSQL is not installed here (no initdb, pg_ctl and postgres found)")
    with throwaway_cluster(binaries) as cluster:
        yield cluster


def create_database(cluster: object, name: str) -> str:
    """``CREATE DATABASE name`` in the cluster; its URL. Outside an event loop (:func:`new_database` inside one)."""
    return asyncio.run(new_database(cluster, name))


async def new_database(cluster: object, name: str) -> str:
    """``CREATE DATABASE name`` in the cluster; its URL."""
    await _admin(cluster.url(), f"CREATE DATABASE {name}")  # type: ignore[attr-defined]
    return str(cluster.url(name))  # type: ignore[attr-defined]


async def _admin(url: str, statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@contextmanager
def database_target(engine: str, folder: Path, name: str) -> Iterator[Path | str]:
    """What ``Database.open`` takes: ``folder/name.db`` for SQLite, a new database's URL for PostgreSQL."""
    if engine == "sqlite":
        yield folder / f"{name}.db"
        return
    if engine != "postgresql":
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    with postgres_cluster() as cluster:
        yield create_database(cluster, name)


def _port(url: str) -> int:
    from urllib.parse import urlsplit

    return int(urlsplit(url).port or 5432)


def server_pids(url: str) -> list[int]:
    """The PostgreSQL processes serving ``url``'s port: the postmaster and its children (backends, workers)."""
    wanted = f"-p\0{_port(url)}\0"
    postmasters = []
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with suppress(OSError):
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
            if "postgres" in cmdline and wanted in cmdline:
                postmasters.append(int(entry.name))
            stat = (entry / "stat").read_text()
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return postmasters + [pid for pid, parent in parents.items() if parent in postmasters]


def server_cpu_seconds(url: str) -> float:
    """CPU seconds (user and system) used so far by the PostgreSQL processes serving ``url``.

    Backends that ended are not counted: take the difference of two readings while the
    connections stay open.
    """
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in server_pids(url):
        with suppress(OSError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / ticks


def server_pss_mb(url: str) -> float:
    """Memory of the PostgreSQL processes serving ``url``: their proportional set sizes summed, so the
    shared buffers count once in all."""
    total = 0
    for pid in server_pids(url):
        with suppress(OSError):
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1])
    return total / 1024


async def analyze(db: object) -> bool:
    """PostgreSQL: ``ANALYZE`` now, as autovacuum would within a minute or so of a bulk load; True if it ran.

    Right after a bulk load the planner has no statistics yet and can choose plans that are
    far slower (a scan of every story per query); benchmarks measure the steady state. SQLite
    keeps no statistics unless asked (the bot does not ask): nothing to do there.
    """
    if db.dialect.name != "postgresql":  # type: ignore[attr-defined]
        return False
    async with db.transaction() as conn:  # type: ignore[attr-defined]
        await conn.execute("ANALYZE")
    return True

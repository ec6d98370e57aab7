from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from bot.store.database import Database
from tests.postgres import Cluster, find_binaries, throwaway_cluster

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
SHIPPED_STORY = ROOT / "stories" / "fight-for-me.txt"


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """A migrated database in a real SQLite file."""
    database = await Database.open(tmp_path / "storyteller.db")
    try:
        yield database
    finally:
        await database.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_target(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Where a test's database is, once per engine: a real SQLite file, or a new database in a
    throwaway PostgreSQL. The store's tests and the use cases' run on both."""
    if request.param == "sqlite":
        return tmp_path / "storyteller.db"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[Cluster]:
    """One throwaway PostgreSQL cluster per test process; skipped where PostgreSQL is not installed."""
    binaries = find_binaries()
    if binaries is None:
        pytest.skip("PostgreSQL is not installed here (no initdb, pg_ctl and postgres found)")
    with throwaway_cluster(binaries) as cluster:
        yield cluster


@pytest.fixture
def postgres_url(postgres_cluster: Cluster) -> Iterator[str]:
    """The URL of a new, empty PostgreSQL database, dropped after the test."""
    name = f"t_{uuid.uuid4().hex[:16]}"
    asyncio.run(_admin(postgres_cluster, f"CREATE DATABASE {name}"))
    yield postgres_cluster.url(name)
    asyncio.run(_admin(postgres_cluster, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))


async def _admin(cluster: Cluster, statement: str) -> None:
    conn = await asyncpg.connect(cluster.url())
    try:
        await conn.execute(statement)
    finally:
        await conn.close()

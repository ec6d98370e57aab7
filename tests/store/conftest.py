from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store.database import Database


@pytest.fixture(params=["sqlite", "postgresql"])
def db_target(request: pytest.FixtureRequest, tmp_path: Path) -> Path | str:
    """Every store test runs on both engines: a real SQLite file, or a new database in a throwaway PostgreSQL."""
    if request.param == "sqlite":
        return tmp_path / "storyteller.db"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def db(db_target: Path | str) -> AsyncIterator[Database]:
    """A migrated database on the engine under test."""
    database = await Database.open(db_target)
    try:
        yield database
    finally:
        await database.close()

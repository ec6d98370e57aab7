from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store.database import Database


@pytest.fixture
async def db(db_target: Path | str) -> AsyncIterator[Database]:
    """A migrated database on the engine under test."""
    database = await Database.open(db_target)
    try:
        yield database
    finally:
        await database.close()

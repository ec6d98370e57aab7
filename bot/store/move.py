"""Moving house: every row of one database copied into another, empty one, and counted on both sides.

For ``python -m bot migrate-db --to postgresql://…``: the bot is stopped, the SQLite file is
read as it is, and the copy happens in one transaction on the target, so it lands whole or not
at all. Both databases are at the same schema version first (opening migrates each), so the
tables and columns are the same; rows go parents first, so every foreign key holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.errors import StorytellerError
from bot.store.database import Database

# Parents before children. Claims are not copied: they belong to processes, and none runs now.
TABLES = (
    "stories",
    "chapters",
    "story_tags",
    "guild_settings",
    "bot_state",
    "live_readings",
    "reader_progress",
    "schedules",
    "catchup_progress",
    "more_votes",
    "posts",
    "reactions",
    "feedback",
    "outbox",
)
_SEARCH = "story_search"
_SEARCH_SOURCE = {
    "sqlite": "SELECT rowid, title, author, fandom, tags, summary FROM story_search",
    "postgresql": "SELECT story_id, title, author, fandom, tags, summary FROM story_search",
}


class TargetNotEmpty(StorytellerError):
    def __init__(self, where: str, counts: dict[str, int]) -> None:
        held = ", ".join(f"{n} {table}" for table, n in counts.items() if n)
        super().__init__(
            f"the database {where} is not empty ({held}); migrate-db copies only into an empty database, "
            "so that nothing there is overwritten or mixed up. Create a new one (createdb) and try again"
        )


class CountMismatch(StorytellerError):
    def __init__(self, table: str, source: int, target: int) -> None:
        super().__init__(f"{table}: {source} rows in the source but {target} copied; nothing was kept in the target")


@dataclass(frozen=True, slots=True)
class Copied:
    counts: dict[str, int]  # table: rows, verified on both sides

    def summary(self) -> str:
        return ", ".join(f"{table} {n}" for table, n in self.counts.items())


async def counts(db: Database) -> dict[str, int]:
    found = {}
    for table in (*TABLES, _SEARCH):
        row = await db.fetchone(f"SELECT count(*) FROM {table}")
        found[table] = int(row[0]) if row else 0
    return found


async def copy_database(source: Database, target: Database, *, batch: int = 2000) -> Copied:
    """Copy every table of ``source`` into the empty ``target``; the row counts of both, verified.

    Refuses (:class:`TargetNotEmpty`) a target holding anything, and keeps nothing in the
    target (:class:`CountMismatch`) unless every table's count matches.
    """
    if await source.user_version() != await target.user_version():
        raise StorytellerError("the two databases are at different schema versions; open both with this version")
    before = await counts(target)
    if any(before.values()):
        raise TargetNotEmpty(str(target.path), before)
    expected = await counts(source)
    search = target.dialect.search
    async with target.transaction() as conn:
        for table in TABLES:
            async for rows in source.stream(f"SELECT * FROM {table}", batch):
                columns = list(rows[0].keys())
                await conn.executemany(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
                    [tuple(row) for row in rows],
                )
        async for rows in source.stream(_SEARCH_SOURCE[source.dialect.name], batch):
            await conn.executemany(search.insert_sql(), search.rows([tuple(row) for row in rows]))
        for table, n in expected.items():
            async with conn.execute(f"SELECT count(*) FROM {table}") as cursor:
                row = await cursor.fetchone()
            copied = int(row[0]) if row else 0
            if copied != n:
                raise CountMismatch(table, n, copied)
    return Copied(expected)

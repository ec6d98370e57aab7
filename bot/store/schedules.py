"""Schedules and their deliveries: due times in SQLite, and a record of every message sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import aiosqlite

from bot.core.schedule import Cadence
from bot.store.database import Database

_FIELDS = (
    "id, guild_id, channel_id, story_id, cadence, timezone, minutes, catch_up, role_id, next_installment, "
    "total, slot, next_due, anchor, state, reason_code, reason, admins_told, created_by, thread_mode, "
    "thread_id, more_quorum"
)


@dataclass(frozen=True, slots=True)
class Schedule:
    id: int
    guild_id: int
    channel_id: int
    story_id: int
    cadence: Cadence
    timezone: str
    minutes: float
    catch_up: str
    role_id: int | None
    next_installment: int
    total: int
    slot: datetime | None
    next_due: datetime | None
    anchor: datetime
    state: str
    reason_code: str | None
    reason: str | None
    admins_told: bool
    created_by: int
    thread_mode: str = "none"
    thread_id: int | None = None
    more_quorum: int | None = None

    @property
    def target(self) -> int:
        """Where installments go: the schedule's single thread, or its channel."""
        return self.thread_id if self.thread_mode == "single" and self.thread_id else self.channel_id

    @property
    def finished(self) -> bool:
        return self.next_installment > self.total


@dataclass(frozen=True, slots=True)
class NewSchedule:
    """What creating a schedule needs; it starts active, its first release at ``first_due``."""

    guild_id: int
    channel_id: int
    story_id: int
    cadence: Cadence
    timezone: str
    minutes: float
    catch_up: str
    role_id: int | None
    total: int
    first_due: datetime
    anchor: datetime
    created_by: int
    thread_mode: str = "none"
    thread_id: int | None = None
    more_quorum: int | None = None

    def row(self, now: datetime) -> tuple[object, ...]:
        first = self.first_due.isoformat()
        return (
            self.guild_id,
            self.channel_id,
            self.story_id,
            self.cadence.encode(),
            self.timezone,
            self.minutes,
            self.catch_up,
            self.role_id,
            self.total,
            first,
            first,
            self.anchor.isoformat(),
            self.created_by,
            now.isoformat(),
            now.isoformat(),
            self.thread_mode,
            self.thread_id,
            self.more_quorum,
        )


_INSERT = (
    "INSERT INTO schedules (guild_id, channel_id, story_id, cadence, timezone, minutes, catch_up, role_id, total, "
    "slot, next_due, anchor, state, created_by, created_at, updated_at, thread_mode, thread_id, more_quorum) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, ?, ?)"
)


@dataclass(frozen=True, slots=True)
class Delivery:
    installment: int
    part: int
    nonce: str
    message_id: int | None
    intended_at: datetime


class ScheduleRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, new: NewSchedule, now: datetime) -> Schedule:
        async with self.db.transaction() as conn:
            cursor = await conn.execute(_INSERT, new.row(now))
            schedule_id = int(cursor.lastrowid or 0)
        found = await self.get(schedule_id)
        assert found is not None
        return found

    async def create_many(self, news: list[NewSchedule], now: datetime) -> None:
        """Insert many schedules in one transaction (large imports, benchmarks)."""
        async with self.db.transaction() as conn:
            await conn.executemany(_INSERT, [new.row(now) for new in news])

    async def get(self, schedule_id: int) -> Schedule | None:
        row = await self.db.fetchone(f"SELECT {_FIELDS} FROM schedules WHERE id = ?", (schedule_id,))
        return None if row is None else _schedule(row)

    async def for_guild(self, guild_id: int) -> list[Schedule]:
        rows = await self.db.fetchall(
            f"SELECT {_FIELDS} FROM schedules WHERE guild_id = ? AND state != 'finished' ORDER BY id", (guild_id,)
        )
        return [_schedule(r) for r in rows]

    async def due(self, now: datetime, *, limit: int = 1000) -> list[Schedule]:
        """Active schedules whose next post is due, earliest first."""
        rows = await self.db.fetchall(
            f"SELECT {_FIELDS} FROM schedules WHERE state = 'active' AND next_due <= ? ORDER BY next_due LIMIT ?",
            (now.isoformat(), limit),
        )
        return [_schedule(r) for r in rows]

    async def earliest_due_after(self, now: datetime) -> datetime | None:
        row = await self.db.fetchone(
            "SELECT min(next_due) FROM schedules WHERE state = 'active' AND next_due > ?", (now.isoformat(),)
        )
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    async def count_active(self) -> int:
        row = await self.db.fetchone("SELECT count(*) FROM schedules WHERE state = 'active'")
        return int(row[0]) if row else 0

    async def update(self, schedule_id: int, now: datetime, **changes: object) -> None:
        values = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in changes.items()}
        assignments = ", ".join(f"{k} = ?" for k in values)
        async with self.db.transaction() as conn:
            await conn.execute(
                f"UPDATE schedules SET {assignments}, updated_at = ? WHERE id = ?",
                (*values.values(), now.isoformat(), schedule_id),
            )

    async def delete(self, schedule_id: int) -> None:
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM schedules WHERE id = ?", (schedule_id,))

    # Deliveries ------------------------------------------------------------------

    async def deliveries(self, schedule_id: int, installment: int) -> dict[int, Delivery]:
        rows = await self.db.fetchall(
            "SELECT installment, part, nonce, message_id, intended_at FROM deliveries "
            "WHERE schedule_id = ? AND installment = ?",
            (schedule_id, installment),
        )
        return {int(r["part"]): _delivery(r) for r in rows}

    async def record_intent(
        self, schedule_id: int, installment: int, part: int, channel_id: int, nonce: str, now: datetime
    ) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT OR IGNORE INTO deliveries (schedule_id, installment, part, channel_id, nonce, intended_at) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (schedule_id, installment, part, channel_id, nonce, now.isoformat()),
            )

    async def record_sent(self, schedule_id: int, installment: int, part: int, message_id: int, now: datetime) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE deliveries SET message_id = ?, sent_at = ? "
                "WHERE schedule_id = ? AND installment = ? AND part = ?",
                (message_id, now.isoformat(), schedule_id, installment, part),
            )

    async def vote_more(self, schedule_id: int, installment: int, user_id: int, now: datetime) -> tuple[int, bool]:
        """Count a reader's More! under ``installment``; release the next one early once the quorum is met.

        Returns the distinct votes so far and whether this vote released it. The check and
        the release are one transaction, so any number of presses at once release once.
        """
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT OR IGNORE INTO more_votes (schedule_id, installment, user_id) VALUES (?, ?, ?)",
                (schedule_id, installment, user_id),
            )
            row = await (
                await conn.execute(
                    "SELECT count(*) FROM more_votes WHERE schedule_id = ? AND installment = ?",
                    (schedule_id, installment),
                )
            ).fetchone()
            votes = int(row[0]) if row else 0
            cursor = await conn.execute(
                "UPDATE schedules SET released_early = ?, next_due = ?, slot = ?, updated_at = ? "
                "WHERE id = ? AND state = 'active' AND more_quorum IS NOT NULL AND more_quorum <= ? "
                "AND next_installment = ? AND released_early < ? AND next_installment <= total",
                (
                    installment + 1,
                    now.isoformat(),
                    now.isoformat(),
                    now.isoformat(),
                    schedule_id,
                    votes,
                    installment + 1,
                    installment + 1,
                ),
            )
            return votes, cursor.rowcount == 1

    async def in_channel(self, channel_id: int) -> list[Schedule]:
        """Schedules releasing into a channel, the most recently created first."""
        rows = await self.db.fetchall(
            f"SELECT {_FIELDS} FROM schedules WHERE channel_id = ? ORDER BY id DESC", (channel_id,)
        )
        return [_schedule(r) for r in rows]

    async def catchup_page(self, user_id: int, schedule_id: int) -> int:
        row = await self.db.fetchone(
            "SELECT page FROM catchup_progress WHERE user_id = ? AND schedule_id = ?", (user_id, schedule_id)
        )
        return 0 if row is None else int(row["page"])

    async def set_catchup_page(self, user_id: int, schedule_id: int, page: int, now: datetime) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO catchup_progress (user_id, schedule_id, page, updated_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (user_id, schedule_id) DO UPDATE SET page = excluded.page, "
                "updated_at = excluded.updated_at",
                (user_id, schedule_id, page, now.isoformat()),
            )


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def _schedule(row: aiosqlite.Row) -> Schedule:
    anchor = _when(row["anchor"])
    assert anchor is not None
    return Schedule(
        id=int(row["id"]),
        guild_id=int(row["guild_id"]),
        channel_id=int(row["channel_id"]),
        story_id=int(row["story_id"]),
        cadence=Cadence.decode(row["cadence"]),
        timezone=str(row["timezone"]),
        minutes=float(row["minutes"]),
        catch_up=str(row["catch_up"]),
        role_id=row["role_id"],
        next_installment=int(row["next_installment"]),
        total=int(row["total"]),
        slot=_when(row["slot"]),
        next_due=_when(row["next_due"]),
        anchor=anchor,
        state=str(row["state"]),
        reason_code=row["reason_code"],
        reason=row["reason"],
        admins_told=bool(row["admins_told"]),
        created_by=int(row["created_by"]),
        thread_mode=str(row["thread_mode"]),
        thread_id=row["thread_id"],
        more_quorum=row["more_quorum"],
    )


def _delivery(row: aiosqlite.Row) -> Delivery:
    intended = _when(row["intended_at"])
    assert intended is not None
    return Delivery(int(row["installment"]), int(row["part"]), str(row["nonce"]), row["message_id"], intended)

"""Schedules and their deliveries: due times in SQLite, and a record of every message sent."""

from __future__ import annotations

from datetime import datetime

import aiosqlite

from bot.core.delivery import schedule_stream
from bot.core.schedule import Cadence
from bot.core.scope import EVERYTHING, GuildScope
from bot.core.serials import Move, NewSchedule, Schedule
from bot.core.states import CatchUp, Reason, ScheduleState, ThreadMode
from bot.store.database import Database, scope_clause
from bot.store.outbox import forget_stream

_FIELDS = (
    "id, guild_id, channel_id, story_id, cadence, timezone, minutes, catch_up, role_id, next_installment, "
    "total, slot, next_due, anchor, state, reason_code, reason, admins_told, created_by, thread_mode, "
    "thread_id, more_quorum"
)


def _new_row(new: NewSchedule, now: datetime) -> tuple[object, ...]:
    first = new.first_due.isoformat()
    return (
        new.guild_id,
        new.channel_id,
        new.story_id,
        new.cadence.encode(),
        new.timezone,
        new.minutes,
        new.catch_up.value,
        new.role_id,
        new.total,
        first,
        first,
        new.anchor.isoformat(),
        new.created_by,
        now.isoformat(),
        now.isoformat(),
        new.thread_mode.value,
        new.thread_id,
        new.more_quorum,
    )


_INSERT = (
    "INSERT INTO schedules (id, guild_id, channel_id, story_id, cadence, timezone, minutes, catch_up, role_id, "
    "total, slot, next_due, anchor, state, created_by, created_at, updated_at, thread_mode, thread_id, more_quorum) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, ?, ?, ?)"
)
# Schedule ids are never reused, even after the newest is cancelled: buttons under old installments
# carry their schedule's id, and must never act on a different serial.
_LAST_ID = "last_schedule_id"


async def _reserve_ids(conn: aiosqlite.Connection, count: int) -> int:
    """Inside the caller's transaction: the first of ``count`` schedule ids never handed out before."""
    await conn.execute("INSERT INTO bot_state (key, value) VALUES (?, '0') ON CONFLICT (key) DO NOTHING", (_LAST_ID,))
    async with conn.execute(
        "SELECT CAST(value AS BIGINT), (SELECT coalesce(max(id), 0) FROM schedules) FROM bot_state WHERE key = ?",
        (_LAST_ID,),
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    last = max(int(row[0]), int(row[1]))
    await conn.execute("UPDATE bot_state SET value = ? WHERE key = ?", (str(last + count), _LAST_ID))
    return last + 1


class ScheduleRepository:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, new: NewSchedule, now: datetime) -> Schedule:
        async with self.db.transaction() as conn:
            schedule_id = await _reserve_ids(conn, 1)
            await conn.execute(_INSERT, (schedule_id, *_new_row(new, now)))
        found = await self.get(schedule_id)
        assert found is not None
        return found

    async def create_many(self, news: list[NewSchedule], now: datetime) -> None:
        """Insert many schedules in one transaction (large imports, benchmarks)."""
        async with self.db.transaction() as conn:
            first = await _reserve_ids(conn, len(news))
            await conn.executemany(_INSERT, [(first + n, *_new_row(new, now)) for n, new in enumerate(news)])

    async def get(self, schedule_id: int) -> Schedule | None:
        row = await self.db.fetchone(f"SELECT {_FIELDS} FROM schedules WHERE id = ?", (schedule_id,))
        return None if row is None else _schedule(row)

    async def for_guild(self, guild_id: int) -> list[Schedule]:
        rows = await self.db.fetchall(
            f"SELECT {_FIELDS} FROM schedules WHERE guild_id = ? AND state != 'finished' ORDER BY id", (guild_id,)
        )
        return [_schedule(r) for r in rows]

    async def due(self, now: datetime, scope: GuildScope = EVERYTHING, *, limit: int = 1000) -> list[Schedule]:
        """Active schedules whose next post is due, earliest first."""
        where, values = scope_clause(scope)
        rows = await self.db.fetchall(
            f"SELECT {_FIELDS} FROM schedules WHERE state = 'active' AND next_due <= ?{where} "
            "ORDER BY next_due LIMIT ?",
            (now.isoformat(), *values, limit),
        )
        return [_schedule(r) for r in rows]

    async def earliest_due_after(self, now: datetime, scope: GuildScope = EVERYTHING) -> datetime | None:
        where, values = scope_clause(scope)
        row = await self.db.fetchone(
            f"SELECT min(next_due) FROM schedules WHERE state = 'active' AND next_due > ?{where}",
            (now.isoformat(), *values),
        )
        return datetime.fromisoformat(row[0]) if row and row[0] else None

    async def count_active(self, scope: GuildScope = EVERYTHING) -> int:
        where, params = scope_clause(scope)
        row = await self.db.fetchone(f"SELECT count(*) FROM schedules WHERE state = 'active'{where}", params)
        return int(row[0]) if row else 0

    # A schedule's life, one named step each ---------------------------------------

    async def pause(self, schedule_id: int, code: Reason, reason: str, now: datetime) -> None:
        await self._set(schedule_id, now, "state = 'paused', reason_code = ?, reason = ?", code.value, reason)

    async def mark_admins_told(self, schedule_id: int, now: datetime) -> None:
        await self._set(schedule_id, now, "admins_told = 1")

    async def resume(self, schedule_id: int, next_due: datetime, slot: datetime, now: datetime) -> None:
        await self._set(
            schedule_id,
            now,
            "state = 'active', reason_code = NULL, reason = NULL, admins_told = 0, next_due = ?, slot = ?",
            next_due.isoformat(),
            slot.isoformat(),
        )

    async def move(self, schedule_id: int, move: Move, now: datetime) -> None:
        """On to ``move.next_installment``; a move past the last installment finishes the schedule."""
        state = "finished" if move.finishes else "active"
        await self._set(
            schedule_id,
            now,
            "next_installment = ?, slot = ?, next_due = ?, reason_code = NULL, reason = NULL, "
            "state = CASE WHEN state = 'paused' AND ? = 'active' THEN 'paused' ELSE ? END",
            move.next_installment,
            _iso(move.slot),
            _iso(move.next_due),
            state,
            state,
        )

    async def grow(self, schedule_id: int, total: int, slot: datetime | None, now: datetime) -> None:
        """The story gained installments (a work in progress was updated): ``total`` grows, never shrinks.

        ``slot`` is the one the next installment belongs to (a serial that waited may post on a new one).
        """
        grown = "total = CASE WHEN total > ? THEN total ELSE ? END, slot = coalesce(?, slot)"
        await self._set(schedule_id, now, grown, total, total, _iso(slot))

    async def release_now(self, schedule_id: int, now: datetime) -> None:
        await self._set(schedule_id, now, "next_due = ?, slot = ?", now.isoformat(), now.isoformat())

    async def edit(
        self,
        schedule_id: int,
        now: datetime,
        *,
        cadence: Cadence,
        timezone: str,
        catch_up: CatchUp,
        role_id: int | None,
        retimed: tuple[datetime, datetime] | None = None,
    ) -> None:
        """New cadence, zone, policy and role; ``retimed`` (next due, anchor) moves the next release."""
        assignments = "cadence = ?, timezone = ?, catch_up = ?, role_id = ?"
        values: list[object] = [cadence.encode(), timezone, catch_up.value, role_id]
        if retimed is not None:
            assignments += ", slot = ?, next_due = ?, anchor = ?"
            values += [retimed[0].isoformat(), retimed[0].isoformat(), retimed[1].isoformat()]
        await self._set(schedule_id, now, assignments, *values)

    async def delete(self, schedule_id: int) -> None:
        """The schedule and its outbox; posts and reactions stay for the author."""
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM schedules WHERE id = ?", (schedule_id,))
            await forget_stream(conn, schedule_stream(schedule_id))

    async def _set(self, schedule_id: int, now: datetime, assignments: str, *values: object) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(
                f"UPDATE schedules SET {assignments}, updated_at = ? WHERE id = ?",
                (*values, now.isoformat(), schedule_id),
            )

    async def vote_more(self, schedule_id: int, installment: int, user_id: int, now: datetime) -> tuple[int, bool]:
        """Count a reader's More! under ``installment``; release the next one early once the quorum is met.

        Returns the distinct votes so far and whether this vote released it. The check and
        the release are one transaction, so any number of presses at once release once.
        """
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO more_votes (schedule_id, installment, user_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
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


def _iso(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat()


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
        catch_up=CatchUp(row["catch_up"]),
        role_id=row["role_id"],
        next_installment=int(row["next_installment"]),
        total=int(row["total"]),
        slot=_when(row["slot"]),
        next_due=_when(row["next_due"]),
        anchor=anchor,
        state=ScheduleState(row["state"]),
        reason_code=Reason(row["reason_code"]) if row["reason_code"] else None,
        reason=row["reason"],
        admins_told=bool(row["admins_told"]),
        created_by=int(row["created_by"]),
        thread_mode=ThreadMode(row["thread_mode"]),
        thread_id=row["thread_id"],
        more_quorum=row["more_quorum"],
    )

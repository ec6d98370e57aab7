"""Claims: one process at a time delivers a stream; a dead process's claim expires."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.store.claims import ClaimRepository

T0 = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
TTL = timedelta(seconds=60)


async def test_one_owner_at_a_time_until_the_claim_expires(db):
    claims = ClaimRepository(db)
    assert await claims.take("schedule:1", "a", T0, T0 + TTL) is None
    assert await claims.take("schedule:1", "b", T0, T0 + TTL) == T0 + TTL  # held: b learns until when
    assert await claims.take("schedule:2", "b", T0, T0 + TTL) is None  # another stream is free
    later = T0 + timedelta(seconds=30)
    assert await claims.take("schedule:1", "a", later, later + TTL) is None  # a renews
    assert await claims.take("schedule:1", "b", T0 + TTL, T0 + 2 * TTL) == later + TTL  # still a's
    # a dies: nobody renews; once the claim has expired b takes it
    assert await claims.take("schedule:1", "b", later + TTL, later + 2 * TTL) is None
    assert await claims.holders() == {"schedule:1": "b", "schedule:2": "b"}
    assert await claims.take("schedule:1", "a", later + TTL, later + 2 * TTL) is not None  # a is too late


async def test_a_process_that_stops_gives_its_claims_back_at_once(db):
    claims = ClaimRepository(db)
    await claims.take("live:5", "a", T0, T0 + TTL)
    await claims.take("live:6", "a", T0, T0 + TTL)
    await claims.take("live:7", "b", T0, T0 + TTL)
    await claims.release_all("b")  # only the holder's own claims go
    assert await claims.take("live:5", "b", T0, T0 + TTL) is not None
    await claims.release_all("a")
    assert await claims.take("live:5", "b", T0, T0 + TTL) is None
    assert await claims.holders() == {"live:5": "b"}

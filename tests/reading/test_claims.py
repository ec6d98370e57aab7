"""A process's claims: taken before a step, renewed before messages, lost to nobody while fresh."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.reading.claims import ClaimLost, Claims
from bot.store.claims import ClaimRepository
from tests.reading.fakes import VirtualClock


class CountingRepository(ClaimRepository):
    def __init__(self, db) -> None:
        super().__init__(db)
        self.writes = 0

    async def take(self, *args):  # type: ignore[no-untyped-def]
        self.writes += 1
        return await super().take(*args)


async def test_a_fresh_claim_is_not_written_again_and_a_lost_one_stops_the_step(db):
    time = VirtualClock()
    repo = CountingRepository(db)
    mine, theirs = Claims(repo, time.clock, owner="a", ttl=60), Claims(repo, time.clock, owner="b", ttl=60)
    assert await mine.take("schedule:1") is None
    for _ in range(5):  # a message a second: the claim has 45 s and more left, nothing to write
        time.advance_to(time.now() + timedelta(seconds=1))
        await mine.renew("schedule:1")
    assert repo.writes == 1
    time.advance_to(time.now() + timedelta(seconds=15))
    await mine.renew("schedule:1")  # a quarter of the time has gone: renewed for another minute
    assert repo.writes == 2
    assert await theirs.take("schedule:1") is not None  # held
    time.advance_to(time.now() + timedelta(seconds=61))  # this process stalled past its claim
    assert await theirs.take("schedule:1") is None  # the other process takes it over
    with pytest.raises(ClaimLost, match="another Storyteller process took over schedule:1"):
        await mine.renew("schedule:1")

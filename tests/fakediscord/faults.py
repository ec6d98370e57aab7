"""Faults the fake server injects, as Discord has them on a bad day: 500s, slow answers, gateway drops.

``Faults`` decides, with its own seeded random numbers so a run can be repeated, which message
posts fail with a 500 before anything is created, which fail after the message was created (its
nonce is kept, so a retry gets the first message back), and which answers come late. Every fault
injected is recorded in ``injected``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

BEFORE, AFTER, SLOW = "500 before create", "500 after create", "slow"


@dataclass(frozen=True)
class Fault:
    kind: str  # BEFORE, AFTER or SLOW
    method: str
    path: str
    at: float  # the fake's monotonic clock


@dataclass
class Faults:
    """Shares of requests that go wrong; all 0 by default (a healthy server)."""

    fail_before: float = 0.0  # message posts answered 500 before the message is created
    fail_after: float = 0.0  # message posts answered 500 after the message was created
    slow: float = 0.0  # counted REST requests answered ``delay`` seconds late
    delay: float = 0.5
    seed: int = 0
    injected: list[Fault] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._random = random.Random(self.seed)

    def roll(self, share: float) -> bool:
        return share > 0 and self._random.random() < share

    def count(self, kind: str) -> int:
        return sum(1 for fault in self.injected if fault.kind == kind)

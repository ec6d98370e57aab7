"""What Discord answered the bot's requests: counts of requests, 429s, server errors, invalid requests.

The Discord front end counts every REST answer here; the counts are saved in the
database now and then (``STATS_KEY`` in ``bot_state``), so ``python -m bot stats`` can
print them from another process, and summed up in the log at shutdown.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

STATS_KEY = "request_stats"
INVALID_STATUSES = (401, 403, 429)  # what Discord counts towards its 10,000 per 10 minutes


@dataclass
class RequestStats:
    """Counts since the process started; ``last_429`` describes the latest one."""

    started_at: str = ""
    updated_at: str = ""
    requests: int = 0  # REST requests that counted against the global limit, retries included
    exempt: int = 0  # interaction responses and follow-ups, which do not count
    rate_limited: dict[str, int] = field(default_factory=dict)  # 429s by scope: global, channel, route, shared
    server_errors: int = 0  # 5xx answers (discord.py retries 500, 502, 504 and 524)
    invalid: int = 0  # 401, 403 and 429 answers (429s of the shared scope excepted)
    invalid_peak: int = 0  # the most invalid answers seen within any 10 minutes
    slowed: int = 0  # times the invalid-request budget made the bot slow down
    waited: float = 0.0  # seconds requests waited for the global budget, in all
    last_429: str | None = None

    @property
    def total_429(self) -> int:
        return sum(self.rate_limited.values())

    def count_429(self, scope: str, what: str) -> None:
        self.rate_limited[scope] = self.rate_limited.get(scope, 0) + 1
        self.last_429 = what

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> RequestStats:
        data: dict[str, Any] = json.loads(text)
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def summary(self) -> str:
        """One line for the log."""
        scopes = ", ".join(f"{n} {scope}" for scope, n in sorted(self.rate_limited.items())) or "none"
        return (
            f"{self.requests} requests to Discord ({self.exempt} exempt), 429s: {self.total_429} ({scopes}), "
            f"5xx: {self.server_errors}, invalid: {self.invalid} (peak {self.invalid_peak} in 10 min), "
            f"{self.waited:.1f} s waited for the global budget"
        )

    def report(self) -> str:
        """Several lines for ``python -m bot stats``."""
        lines = [
            f"Since {self.started_at or '?'} (saved {self.updated_at or '?'}):",
            f"  requests counted against the global limit: {self.requests}",
            f"  interaction responses (exempt):            {self.exempt}",
            f"  HTTP 429 answers:                          {self.total_429}",
        ]
        lines += [f"    {scope:<10} {n}" for scope, n in sorted(self.rate_limited.items())]
        if self.last_429:
            lines.append(f"    latest: {self.last_429}")
        lines += [
            f"  5xx answers:                               {self.server_errors}",
            f"  invalid requests (401, 403, 429):          {self.invalid}, at most {self.invalid_peak} in 10 min"
            " (Discord blocks at 10,000)",
            f"  slowed down for invalid requests:          {self.slowed} times",
            f"  waited for the global budget:              {self.waited:.1f} s",
        ]
        return "\n".join(lines)

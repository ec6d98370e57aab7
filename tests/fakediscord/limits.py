"""Discord's limits as the fake enforces them: rate-limit windows and message-size rules.

The numbers are the ones in docs/discord-limits.md: 5 messages per 5 s in one channel,
50 requests per second in all, 2000 characters of content, 6000 characters of embeds.
"""

from __future__ import annotations

import json
import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.fakediscord.http import VIA


@dataclass(frozen=True)
class RateLimit:
    """``limit`` requests per ``per`` seconds.

    Fixed windows (Discord's per-route buckets) open at the first request and refill at once
    when they expire, which is what the ``X-RateLimit-Reset-After`` header describes. Sliding
    windows count the requests of the last ``per`` seconds, at every instant.
    """

    limit: int
    per: float
    sliding: bool = False


CHANNEL_MESSAGES = RateLimit(5, 5.0)
GLOBAL = RateLimit(50, 1.0, sliding=True)


class Window:
    def __init__(self, rule: RateLimit, clock: Callable[[], float]) -> None:
        self.rule = rule
        self.clock = clock
        self._hits: deque[float] = deque()
        self._opened: float | None = None
        self._count = 0

    def _expire(self, now: float) -> None:
        if self.rule.sliding:
            while self._hits and self._hits[0] <= now - self.rule.per:
                self._hits.popleft()
        elif self._opened is not None and now >= self._opened + self.rule.per:
            self._opened, self._count = None, 0

    def take(self) -> float:
        """Spend one request: 0.0 if allowed, else the seconds until one is."""
        now = self.clock()
        self._expire(now)
        if self.rule.sliding:
            if len(self._hits) >= self.rule.limit:
                return self._hits[0] + self.rule.per - now
            self._hits.append(now)
            return 0.0
        if self._opened is None:
            self._opened = now
        if self._count >= self.rule.limit:
            return self._opened + self.rule.per - now
        self._count += 1
        return 0.0

    @property
    def remaining(self) -> int:
        self._expire(self.clock())
        used = len(self._hits) if self.rule.sliding else self._count
        return max(self.rule.limit - used, 0)

    @property
    def reset_after(self) -> float:
        now = self.clock()
        self._expire(now)
        if self.rule.sliding:
            return self._hits[0] + self.rule.per - now if self._hits else 0.0
        return self._opened + self.rule.per - now if self._opened is not None else 0.0


@dataclass(frozen=True)
class RateLimitHit:
    """One 429 the fake answered."""

    scope: str  # "channel" (the per-channel message bucket) or "global"
    method: str
    path: str
    channel_id: str | None
    retry_after: float
    at: float  # the fake's monotonic clock


def bucket_headers(window: Window, bucket: str) -> dict[str, str]:
    reset_after = window.reset_after
    return {
        "X-RateLimit-Limit": str(window.rule.limit),
        "X-RateLimit-Remaining": str(window.remaining),
        "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
        "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        "X-RateLimit-Bucket": bucket,
        "Via": VIA,
    }


def too_many_requests(retry_after: float, *, is_global: bool, headers: dict[str, str] | None = None) -> web.Response:
    """A 429 as Discord sends it: JSON ``retry_after`` in seconds, ``Retry-After`` rounded up."""
    retry_after = round(max(retry_after, 0.001), 3)
    all_headers = {
        **(headers or {}),
        "Content-Type": "application/json",
        "Retry-After": str(math.ceil(retry_after)),
        "X-RateLimit-Scope": "global" if is_global else "user",
        "Via": VIA,
    }
    if is_global:
        all_headers["X-RateLimit-Global"] = "true"
    else:
        all_headers["X-RateLimit-Remaining"] = "0"
    body = {"message": "You are being rate limited.", "retry_after": retry_after, "global": is_global}
    return web.Response(status=429, body=json.dumps(body).encode(), headers=all_headers)


# Message rules ------------------------------------------------------------------------------

CONTENT_MAX = 2000
EMBEDS_MAX = 10
EMBED_TOTAL_MAX = 6000
EMBED_FIELDS_MAX = 25
EMBED_FIELD_LIMITS = {"title": 256, "description": 4096}
CUSTOM_ID_MAX = 100
NONCE_MAX = 25


def _embed_problems(index: int, embed: dict[str, Any]) -> tuple[list[str], int]:
    problems = []
    sizes = {key: len((embed.get(key) or "").strip()) for key in EMBED_FIELD_LIMITS}
    sizes["footer.text"] = len(((embed.get("footer") or {}).get("text") or "").strip())
    sizes["author.name"] = len(((embed.get("author") or {}).get("name") or "").strip())
    limits = {**EMBED_FIELD_LIMITS, "footer.text": 2048, "author.name": 256}
    problems += [f"embeds.{index}.{k}: {n} > {limits[k]}" for k, n in sizes.items() if n > limits[k]]
    fields = embed.get("fields") or []
    if len(fields) > EMBED_FIELDS_MAX:
        problems.append(f"embeds.{index}.fields: {len(fields)} > {EMBED_FIELDS_MAX}")
    total = sum(sizes.values())
    for number, item in enumerate(fields):
        name, value = len(str(item.get("name", "")).strip()), len(str(item.get("value", "")).strip())
        total += name + value
        if name > 256:
            problems.append(f"embeds.{index}.fields.{number}.name: {name} > 256")
        if value > 1024:
            problems.append(f"embeds.{index}.fields.{number}.value: {value} > 1024")
    return problems, total


def _custom_ids(components: list[dict[str, Any]]) -> list[str]:
    ids = []
    for component in components:
        if "custom_id" in component:
            ids.append(str(component["custom_id"]))
        ids += _custom_ids(component.get("components") or [])
        if isinstance(component.get("accessory"), dict):
            ids += _custom_ids([component["accessory"]])
    return ids


def message_problems(body: dict[str, Any], *, has_files: bool = False) -> tuple[int, list[str]]:
    """Discord's error code and reasons for a message body it would refuse; (0, []) when fine."""
    content = body.get("content") or ""
    embeds = body.get("embeds") or []
    components = body.get("components") or []
    if not (content or embeds or components or has_files or body.get("sticker_ids") or body.get("poll")):
        return 50006, ["Cannot send an empty message"]
    problems = []
    if len(content) > CONTENT_MAX:
        problems.append(f"content: {len(content)} > {CONTENT_MAX}")
    if len(embeds) > EMBEDS_MAX:
        problems.append(f"embeds: {len(embeds)} > {EMBEDS_MAX}")
    total = 0
    for index, embed in enumerate(embeds):
        found, size = _embed_problems(index, embed)
        problems += found
        total += size
    if total > EMBED_TOTAL_MAX:
        problems.append(f"embeds: {total} characters in all > {EMBED_TOTAL_MAX}")
    problems += [
        f"custom_id {cid[:20]!r}: {len(cid)} characters, must be 1 to {CUSTOM_ID_MAX}"
        for cid in _custom_ids(components)
        if not 1 <= len(cid) <= CUSTOM_ID_MAX
    ]
    nonce = body.get("nonce")
    if nonce is not None and len(str(nonce)) > NONCE_MAX:
        problems.append(f"nonce: {len(str(nonce))} > {NONCE_MAX}")
    return (50035, problems) if problems else (0, [])

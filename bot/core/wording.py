"""Counts in words, the same everywhere: "1 chapter", "2 chapters", "1,243 words"."""

from __future__ import annotations


def counted(count: int, noun: str, plural: str | None = None) -> str:
    """``count`` and ``noun``, plural unless the count is one; ``plural`` for nouns not made with -s."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"

"""Synthetic story libraries for the benchmarks: deterministic, realistic in shape."""

from __future__ import annotations

import random
from pathlib import Path

WORDS = [
    "the",
    "a",
    "she",
    "he",
    "they",
    "said",
    "night",
    "slayer",
    "vampire",
    "library",
    "watcher",
    "stake",
    "crypt",
    "cemetery",
    "sunnydale",
    "quiet",
    "slowly",
    "whispered",
    "turned",
    "looked",
    "door",
    "window",
    "candle",
    "dark",
    "light",
    "hand",
    "eyes",
    "voice",
    "heart",
    "never",
    "always",
    "again",
    "before",
    "after",
    "because",
    "while",
    "through",
    "under",
    "over",
    "into",
    "across",
    "against",
]
FANDOMS = ["Buffy: The Vampire Slayer", "Angel", "Harry Potter", "Star Trek", "Sherlock", "Discworld"]
RATINGS = ["K", "K+", "T", "General Audiences", "Teen And Up Audiences", "PG", "FR13"]
TITLE_WORDS = [
    "fight",
    "for",
    "me",
    "long",
    "way",
    "home",
    "night",
    "shift",
    "silver",
    "moon",
    "broken",
    "promise",
    "quiet",
    "hour",
    "last",
    "dance",
    "winter",
    "garden",
    "hollow",
    "crown",
    "falling",
    "stars",
    "paper",
    "hearts",
    "salt",
    "and",
    "iron",
    "midnight",
    "library",
]


def title(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(TITLE_WORDS).capitalize() for _ in range(rng.randint(2, 4))) + f" {n}"


def paragraph(rng: random.Random) -> str:
    sentences = []
    for _ in range(rng.randint(2, 6)):
        words = [rng.choice(WORDS) for _ in range(rng.randint(6, 18))]
        sentences.append(" ".join(words).capitalize() + rng.choice([".", ".", "!", "?"]))
    text = " ".join(sentences)
    if rng.random() < 0.3:
        text = f'"{text}" she said.'
    return text


def story_text(rng: random.Random, n: int, target_bytes: int) -> str:
    header = (
        f"Title: {title(rng, n)}\nAuthor: Author {n % 97}\nCategory: {rng.choice(FANDOMS)}\n"
        f"Rating: {rng.choice(RATINGS)}\nSummary: {paragraph(rng)}\n\n"
    )
    parts, size, chapter = [header], len(header), 0
    while size < target_bytes:
        if size - len(header) >= chapter * 20_000:
            chapter += 1
            heading = f"Chapter {chapter}\n\n"
            parts.append(heading)
            size += len(heading)
        p = paragraph(rng)
        if rng.random() < 0.03:
            p = "* * *"
        # Hard-wrap some paragraphs at 78 columns, as many archives do.
        if rng.random() < 0.5:
            p = "\n".join(p[i : i + 78] for i in range(0, len(p), 78))
        parts.append(p + "\n\n")
        size += len(p) + 2
    return "".join(parts)


def write_library(folder: Path, count: int, bytes_each: int, seed: int = 7, *, smallest: int | None = None) -> int:
    """Write ``count`` story files; returns the total bytes written.

    Each is about ``bytes_each`` bytes, or a size drawn between ``smallest`` and ``bytes_each``.
    """
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    for n in range(count):
        size = bytes_each if smallest is None else rng.randint(smallest, bytes_each)
        data = story_text(rng, n, size).encode("utf-8")
        (folder / f"story-{n:05d}.txt").write_bytes(data)
        total += len(data)
    return total

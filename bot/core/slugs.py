"""Slugs: the stable, typeable names stories are known by (``Fight For Me`` -> ``fight-for-me``)."""

from __future__ import annotations

import re
import unicodedata

MAX_SLUG_LENGTH = 80


def slugify(title: str) -> str:
    """Lower-case ASCII words joined by hyphens; ``story`` when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    ascii_text = ascii_text.replace("'", "").replace("’", "")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:MAX_SLUG_LENGTH].rstrip("-") or "story"


def unique_slug(base: str, taken: set[str]) -> str:
    """``base``, or ``base-2``, ``base-3``... whichever is free."""
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def search_key(text: str) -> str:
    """Text folded for matching what people type: lower case, no accents, single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(re.sub(r"[^\w\s]", " ", bare).split())

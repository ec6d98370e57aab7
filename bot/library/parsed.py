"""What every format reader returns, and the helpers they share for metadata fields."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.core.models import Chapter, Story, StoryMeta


@dataclass(frozen=True, slots=True)
class ParsedStory:
    """A story read from one file, with the notes the import report should show."""

    story: Story
    format: str
    notices: tuple[str, ...] = field(default=())


def split_list(value: str) -> tuple[str, ...]:
    """``"a, b,c"`` -> ``("a", "b", "c")``; empty items dropped."""
    return tuple(p.strip() for p in re.split(r",\s*", value) if p.strip())


# Normalised field for each label archives use; every other label goes to ``extra``.
FIELD_FOR_LABEL: dict[str, str] = {
    "title": "title",
    "author": "author",
    "authors": "author",
    "by": "author",
    "category": "fandom",
    "categories": "fandom",
    "fandom": "fandom",
    "fandoms": "fandom",
    "rating": "rating_raw",
    "rated": "rating_raw",
    "warning": "warnings",
    "warnings": "warnings",
    "archive warning": "warnings",
    "archive warnings": "warnings",
    "summary": "summary",
    "description": "summary",
    "genre": "tags",
    "genres": "tags",
    "tags": "tags",
    "additional tags": "tags",
    "keywords": "tags",
    "characters": "characters",
    "character": "characters",
    "pairing": "relationships",
    "pairings": "relationships",
    "relationship": "relationships",
    "relationships": "relationships",
    "ships": "relationships",
    "language": "language",
    "status": "status",
    "published": "published",
    "updated": "updated",
    "story url": "source_url",
    "source": "source_url",
    "url": "source_url",
    "content notes": "content_notes",
    "content warnings": "content_notes",
}
_LIST_FIELDS = {"warnings", "tags", "characters", "relationships"}


def meta_from_labels(labels: dict[str, str], *, title: str = "", author: str = "") -> StoryMeta:
    """A :class:`StoryMeta` from ``{label: value}`` pairs (labels lower-cased)."""
    values: dict[str, object] = {}
    extra: dict[str, str] = {}
    for label, value in labels.items():
        name = FIELD_FOR_LABEL.get(label)
        if name is None:
            extra[label] = value
        elif name in _LIST_FIELDS:
            existing = values.get(name, ())
            assert isinstance(existing, tuple)
            values[name] = existing + split_list(value)
        elif name == "summary":
            values.setdefault(name, tidy_paragraphs(value))
        elif name not in values:
            values[name] = " ".join(value.split())
    values.setdefault("title", title)
    if author and not values.get("author"):
        values["author"] = author
    return StoryMeta(extra=extra, **values)  # type: ignore[arg-type]


def tidy_paragraphs(text: str) -> str:
    """Paragraphs kept apart by one blank line; wrapped lines and runs of spaces folded."""
    paragraphs = (" ".join(p.split()) for p in re.split(r"\n\s*\n", text))
    return "\n\n".join(p for p in paragraphs if p)


def single_chapter(title: str, blocks: tuple[str, ...]) -> tuple[Chapter, ...]:
    return (Chapter(title, blocks),) if blocks else ()

"""The story model: what every reader of story files produces and every front end reads."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.core.ratings import ContentRating

SCENE_BREAK = "⁂"
"""The block that stands for a scene break; a neutral glyph Discord renders as itself."""


_IN_PROGRESS = frozenset({"in-progress", "inprogress", "wip", "work-in-progress", "incomplete", "ongoing", "updating"})

_TOKEN_WITHOUT_WORD = re.compile(r"\s(?:[^\w\s]|_)+(?=\s|\Z)")


def count_words(text: str) -> int:
    """Words as readers count them: whitespace-separated tokens that hold a letter or digit."""
    return len(text.split()) - len(_TOKEN_WITHOUT_WORD.findall(" " + text))


@dataclass(frozen=True, slots=True)
class Chapter:
    """A chapter: its title and its blocks, each a paragraph or :data:`SCENE_BREAK`."""

    title: str
    blocks: tuple[str, ...]
    words: int = field(init=False, compare=False)

    def __post_init__(self) -> None:
        # Counted once: chapters are built in a worker thread and read many times after.
        object.__setattr__(self, "words", sum(count_words(b) for b in self.blocks if b != SCENE_BREAK))

    @property
    def text(self) -> str:
        """The chapter as stored: blocks separated by blank lines."""
        return "\n\n".join(self.blocks)

    @classmethod
    def from_text(cls, title: str, text: str) -> Chapter:
        return cls(title, tuple(b for b in text.split("\n\n") if b.strip()))


@dataclass(frozen=True, slots=True)
class StoryMeta:
    """Normalised metadata; ``extra`` keeps every header key this model has no field for."""

    title: str
    author: str = ""
    fandom: str = ""
    rating_raw: str = ""
    warnings: tuple[str, ...] = ()
    summary: str = ""
    tags: tuple[str, ...] = ()
    characters: tuple[str, ...] = ()
    relationships: tuple[str, ...] = ()
    language: str = ""
    status: str = ""
    published: str = ""
    updated: str = ""
    source_url: str = ""
    slug: str = ""
    content_notes: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def rating(self) -> ContentRating:
        return ContentRating.from_raw(self.rating_raw, self.warnings)

    @property
    def disclaimer(self) -> str:
        return self.extra.get("disclaimer", "")

    @property
    def feedback(self) -> str:
        return self.extra.get("feedback", "")

    @property
    def in_progress(self) -> bool:
        """Whether the author is still adding chapters (a work in progress), as its status says."""
        return self.status.strip().casefold().replace("_", "-").replace(" ", "-") in _IN_PROGRESS


@dataclass(frozen=True, slots=True)
class Story:
    """A whole story as read from a file, before it has a place in the library."""

    meta: StoryMeta
    chapters: tuple[Chapter, ...]

    @property
    def words(self) -> int:
        return sum(c.words for c in self.chapters)


@dataclass(frozen=True, slots=True)
class StoryRecord:
    """A story as the library holds it: the story plus its identity and bookkeeping."""

    id: int
    slug: str
    meta: StoryMeta
    words: int
    chapter_count: int
    source_path: str
    content_hash: str
    rating: ContentRating
    guild_id: int | None = None  # the server whose own shelf holds it; None: the shared library
    source_url: str = ""  # the page it was fetched from, for stories imported from a link

    @property
    def title(self) -> str:
        return self.meta.title

    def reading_minutes(self, words_per_minute: int) -> int:
        return max(1, round(self.words / words_per_minute))

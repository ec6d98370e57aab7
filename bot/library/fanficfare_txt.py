"""FanFicFare TXT: title and ``by`` line, a labelled title page, a table of contents, chapters.

Layout (docs/story-formats.md): values wrap at 78 columns onto unlabelled lines, the
summary comes last and may hold blank lines, chapter titles are indented by
eight spaces (and may wrap too), bodies are html2text Markdown, and the file
ends with ``End file.``.
"""

from __future__ import annotations

import re

from bot.core.errors import StoryFileError
from bot.core.models import Chapter, Story
from bot.core.text import prose_blocks, strip_heading_marks
from bot.library.parsed import ParsedStory, meta_from_labels

FFF_LABELS = {
    "series",
    "series url",
    "category",
    "genre",
    "language",
    "characters",
    "relationships",
    "pairings",
    "status",
    "published",
    "updated",
    "packaged",
    "rating",
    "warnings",
    "chapters",
    "words",
    "publisher",
    "story url",
    "author url",
    "summary",
    "fandoms",
    "freeform tags",
    "ao3 categories",
    "kudos",
    "hits",
    "bookmarks",
    "comments",
    "reviews",
    "favs",
    "follows",
    "collections",
    "site",
    "title",
    "author",
    "chapter/total",
}
_LABEL = re.compile(r"^([A-Za-z][A-Za-z0-9 /]{0,30}): ?(.*)$")
_CHAPTER_LINE = re.compile(r"^ {8}(?=\S)")
_TOC = "TABLE OF CONTENTS"
_END = "End file."


def looks_like_fanficfare_txt(text: str) -> bool:
    lines = text.lstrip("\ufeff").strip("\n").split("\n")
    return (
        len(lines) > 3
        and lines[1] == ""
        and lines[2].startswith("by ")
        and any(line.strip() == _END for line in lines[-5:])
    )


def parse_fanficfare_txt(text: str) -> ParsedStory:
    lines = text.lstrip("\ufeff").strip("\n").split("\n")
    title, author = lines[0].strip(), lines[2][3:].strip()
    rest = lines[3:]
    end = next((i for i in range(len(rest) - 1, -1, -1) if rest[i].strip() == _END), len(rest))
    rest = rest[:end]

    first_chapter = next(
        (i for i, ln in enumerate(rest) if _CHAPTER_LINE.match(ln) and (i == 0 or not rest[i - 1].strip())),
        None,
    )
    if first_chapter is None:
        raise StoryFileError("FanFicFare text with no chapter heading (an 8-space indented title)")
    front = rest[:first_chapter]
    toc_at = next((i for i, ln in enumerate(front) if ln.strip() == _TOC), None)
    title_page = front[:toc_at] if toc_at is not None else front
    toc = [ln.strip() for ln in front[toc_at + 1 :]] if toc_at is not None else []
    toc = [t for t in toc if t]

    labels = _title_page_labels(title_page)
    meta = meta_from_labels(labels, title=title, author=author)
    chapters = _chapters(rest[first_chapter:], toc)
    if not chapters:
        raise StoryFileError("FanFicFare text whose chapters hold no text")
    return ParsedStory(Story(meta, chapters), "fanficfare-txt")


def _title_page_labels(lines: list[str]) -> dict[str, str]:
    """Labelled values; unlabelled lines continue the value above (summaries keep paragraphs)."""
    raw: dict[str, list[str]] = {}
    current: str | None = None
    for line in lines:
        match = _LABEL.match(line)
        if match and match.group(1).lower() in FFF_LABELS:
            current = match.group(1).lower()
            raw[current] = [match.group(2)]
        elif current is not None:
            raw[current].append(line)
    return {label: "\n".join(value).strip() for label, value in raw.items()}


def _chapters(lines: list[str], toc: list[str]) -> tuple[Chapter, ...]:
    """Split at indented titles; a wrapped title runs on until the next blank line."""
    starts: list[tuple[int, int, str]] = []  # (heading line, first body line, title)
    i = 0
    while i < len(lines):
        if _CHAPTER_LINE.match(lines[i]) and (i == 0 or not lines[i - 1].strip()):
            j = i + 1
            while j < len(lines) and lines[j].strip():
                j += 1
            heading = " ".join(ln.strip() for ln in lines[i:j])
            expected = toc[len(starts)] if len(starts) < len(toc) else None
            if expected is None or _same_title(heading, expected):
                starts.append((i, j, expected or heading))
                i = j
                continue
        i += 1
    chapters = []
    for n, (_, body_start, title) in enumerate(starts):
        body_end = starts[n + 1][0] if n + 1 < len(starts) else len(lines)
        body = "\n".join(_heading_to_bold(ln) for ln in lines[body_start:body_end])
        blocks = prose_blocks(body)
        if blocks:
            chapters.append(Chapter(title, blocks))
    return tuple(chapters)


def _same_title(heading: str, toc_title: str) -> bool:
    return "".join(heading.split()) == "".join(toc_title.split())


def _heading_to_bold(line: str) -> str:
    """html2text writes in-chapter headings as ``### Title``; Discord would make them huge."""
    if re.match(r"^#{1,6}\s", line):
        return f"**{strip_heading_marks(line)}**"
    return line

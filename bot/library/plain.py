"""Plain text: the archive ``Key: Value`` header format, or prose with no header at all.

The header is not YAML (docs/story-formats.md): each line splits at the first ``": "``
only, keys are case-insensitive, unknown keys are kept, and a line that is not
a label continues the previous value. The header ends at the first blank line.
"""

from __future__ import annotations

import re
from pathlib import Path

from bot.core.errors import StoryFileError
from bot.core.models import Chapter, Story
from bot.core.text import PARAGRAPH_BREAK, prose_blocks_from_paragraphs
from bot.library.parsed import FIELD_FOR_LABEL, ParsedStory, meta_from_labels

_EXTRA_LABELS = {
    "disclaimer",
    "feedback",
    "spoilers",
    "notes",
    "author's notes",
    "author's note",
    "a/n",
    "beta",
    "beta reader",
    "archive",
    "archiving",
    "email",
    "website",
    "dedication",
    "series",
    "sequel to",
    "prequel to",
    "timeline",
    "setting",
    "length",
    "word count",
    "words",
    "chapters",
    "date",
    "written",
    "note",
    "thanks",
    "inspiration",
}
_LABEL = re.compile(r"^([A-Za-z][A-Za-z0-9 /'’&+-]{0,39}):(?: (.*)|$)")
_CHAPTER_HEADING = re.compile(
    r"^(?:(?:chapter|part|book)\s+(?:\d+|[ivxlc]+|[a-z]+)\b[^\n]{0,80}"
    r"|(?:prologue|epilogue|interlude)\b[^\n]{0,60})$",
    re.IGNORECASE,
)


def known_label(line: str) -> tuple[str, str] | None:
    """(label, value) when ``line`` starts with a label this format uses."""
    match = _LABEL.match(line)
    if not match:
        return None
    label = match.group(1).strip().lower()
    if label in FIELD_FOR_LABEL or label in _EXTRA_LABELS:
        return label, (match.group(2) or "").strip()
    return None


def has_header(text: str) -> bool:
    first = text.lstrip("\n").split("\n", 1)[0]
    found = known_label(first)
    return found is not None and found[0] in FIELD_FOR_LABEL


def parse_header(lines: list[str]) -> dict[str, str]:
    labels: dict[str, str] = {}
    current: str | None = None
    for line in lines:
        found = known_label(line) if not line[:1].isspace() else None
        if found is None:
            found = _unknown_label(line)
        if found is not None:
            current, value = found
            labels[current] = f"{labels[current]}\n{value}".strip() if current in labels else value
        elif current is not None:
            labels[current] = f"{labels[current]} {line.strip()}".strip()
    return labels


def _unknown_label(line: str) -> tuple[str, str] | None:
    """A label this format does not name, kept when it looks like one: ``Beta Reader: X``."""
    match = _LABEL.match(line)
    if not match or len(match.group(1).split()) > 3 or not match.group(1)[0].isupper():
        return None
    return match.group(1).strip().lower(), (match.group(2) or "").strip()


def chapters_from_text(body: str, default_title: str) -> tuple[Chapter, ...]:
    """Chapters from prose: split at lone ``Chapter 3``/``Prologue``-style heading lines."""
    chapters: list[Chapter] = []
    title = default_title
    buffer: list[str] = []

    def close() -> None:
        # The paragraphs as split, not joined and split again: a paragraph never ends in
        # "\n" and spaces before a break, so splitting their join would give them back.
        blocks = prose_blocks_from_paragraphs(buffer)
        if blocks:
            chapters.append(Chapter(title, blocks))

    for paragraph in PARAGRAPH_BREAK.split(body):
        stripped = paragraph.strip()
        if "\n" not in stripped and _CHAPTER_HEADING.match(stripped):
            close()
            title, buffer = stripped, []
        else:
            buffer.append(paragraph)
    close()
    return tuple(chapters)


def parse_plain(text: str, path: Path) -> ParsedStory:
    """A plain text story, with the archive header when it has one."""
    text = text.lstrip("\ufeff")
    if has_header(text):
        head, _, body = text.lstrip("\n").partition("\n\n")
        meta = meta_from_labels(parse_header(head.split("\n")))
        if not meta.title:
            raise StoryFileError("the header has no Title: line")
        chapters = chapters_from_text(body, meta.title)
        if not chapters:
            raise StoryFileError("has a header but no story text after it")
        return ParsedStory(Story(meta, chapters), "plain-header")
    title = title_from_filename(path)
    chapters = chapters_from_text(text, title)
    if not chapters:
        raise StoryFileError("holds no story text")
    notice = (
        "no header: title taken from the file name and rating set to unrated (U); "
        f"add a header or {path.stem}.yaml with title and rating"
    )
    return ParsedStory(Story(meta_from_labels({}, title=title), chapters), "plain", (notice,))


def title_from_filename(path: Path) -> str:
    words = re.sub(r"[-_.]+", " ", path.stem).split()
    return " ".join(w if any(c.isupper() for c in w) else w.capitalize() for w in words) or path.stem

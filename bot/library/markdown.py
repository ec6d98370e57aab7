"""Markdown with YAML front matter: ``---`` fences first, chapters on headings.

PyYAML reads YAML 1.1, where ``No`` is a boolean and dates become ``date``
objects (docs/story-formats.md), so every value is coerced back to text.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from bot.core.errors import StoryFileError
from bot.core.models import Chapter, Story
from bot.core.text import prose_blocks, strip_heading_marks
from bot.library.parsed import ParsedStory, meta_from_labels

_FENCE = re.compile(r"\A---[ \t]*\n(.*?)\n(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.S)


def has_front_matter(text: str) -> bool:
    return text.lstrip("\ufeff").startswith("---")


def load_yaml_mapping(text: str, what: str) -> dict[str, Any]:
    """``yaml.safe_load`` a mapping, with the line and problem in the error."""
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise StoryFileError(f"{what} is not valid YAML{where}: {problem}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise StoryFileError(f"{what} must be a mapping of keys to values, not {type(data).__name__}")
    return data


def as_text(value: Any) -> str:
    """A YAML value as text: booleans read back as written words, lists joined by commas."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(as_text(v) for v in value)
    if value is None:
        return ""
    return str(value).strip()


def parse_markdown(text: str, default_title: str) -> ParsedStory:
    text = text.lstrip("\ufeff")
    match = _FENCE.match(text)
    if match is None:
        raise StoryFileError("front matter starts with --- but has no closing --- line")
    data = load_yaml_mapping(match.group(1), "the front matter")
    labels = {str(k).strip().lower().replace("_", " "): as_text(v) for k, v in data.items()}
    meta = meta_from_labels(labels, title=default_title)
    chapters = chapters_from_markdown(text[match.end() :], meta.title)
    if not chapters:
        raise StoryFileError("has front matter but no story text after it")
    notices = () if labels.get("title") else (f"no title in the front matter: using {meta.title!r}",)
    return ParsedStory(Story(meta, chapters), "markdown", notices)


def chapters_from_markdown(body: str, story_title: str) -> tuple[Chapter, ...]:
    """Split at the top heading level used (``#`` or ``##``); text before it is a prologue."""
    levels = [len(m.group(1)) for m in re.finditer(r"^(#{1,2})\s+\S", body, re.M)]
    if not levels:
        blocks = prose_blocks(body)
        return (Chapter(story_title, blocks),) if blocks else ()
    marker = re.compile(rf"^{'#' * min(levels)}\s+(.+)$", re.M)
    chapters: list[Chapter] = []
    pieces = marker.split(body)
    preface, rest = pieces[0], pieces[1:]
    if prose_blocks(preface):
        chapters.append(Chapter(story_title, prose_blocks(preface)))
    for title, chunk in zip(rest[::2], rest[1::2], strict=True):
        blocks = prose_blocks(_subheadings_to_bold(chunk))
        if blocks:
            chapters.append(Chapter(strip_heading_marks(title), blocks))
    return tuple(chapters)


def _subheadings_to_bold(text: str) -> str:
    return re.sub(r"^#{2,6}\s+(.+)$", lambda m: f"**{m.group(1).strip()}**", text, flags=re.M)

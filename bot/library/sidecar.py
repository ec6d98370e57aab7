"""``NAME.yaml`` beside a story file: metadata that overrides or adds to the file's own."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from bot.core.errors import StoryFileError
from bot.core.models import StoryMeta
from bot.core.slugs import slugify
from bot.library.markdown import as_text, load_yaml_mapping
from bot.library.parsed import split_list

_TEXT_FIELDS = {
    "title": "title",
    "author": "author",
    "fandom": "fandom",
    "rating": "rating_raw",
    "summary": "summary",
    "language": "language",
    "status": "status",
    "published": "published",
    "updated": "updated",
    "source_url": "source_url",
    "content_notes": "content_notes",
    "slug": "slug",
}
_LIST_FIELDS = {"warnings", "tags", "characters", "relationships"}
_EXTRA_FIELDS = {"disclaimer", "feedback"}
ALLOWED_KEYS = sorted({*_TEXT_FIELDS, *_LIST_FIELDS, *_EXTRA_FIELDS})


def parse_sidecar(text: str) -> dict[str, Any]:
    """Validate a sidecar; every problem is named with its key."""
    data = load_yaml_mapping(text, "the sidecar")
    problems = []
    for key, value in data.items():
        if key not in ALLOWED_KEYS:
            problems.append(f"unknown key {key!r} (allowed: {', '.join(ALLOWED_KEYS)})")
        elif isinstance(value, dict):
            problems.append(f"{key!r} must be text or a list, not a mapping")
    if "slug" in data and slugify(as_text(data["slug"])) != as_text(data["slug"]):
        problems.append(
            f"slug {as_text(data['slug'])!r} must be lower-case words and hyphens, "
            f"e.g. {slugify(as_text(data['slug']))!r}"
        )
    if problems:
        raise StoryFileError("sidecar: " + "; ".join(problems))
    return data


def apply_sidecar(meta: StoryMeta, data: dict[str, Any]) -> StoryMeta:
    changes: dict[str, Any] = {}
    for key, value in data.items():
        if key in _TEXT_FIELDS:
            changes[_TEXT_FIELDS[key]] = as_text(value)
        elif key in _LIST_FIELDS:
            items = value if isinstance(value, list) else split_list(as_text(value))
            changes[key] = tuple(as_text(v) for v in items if as_text(v))
    extra = dict(meta.extra)
    extra.update({k: as_text(data[k]) for k in _EXTRA_FIELDS if k in data})
    return replace(meta, extra=extra, **changes)

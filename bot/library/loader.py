"""One entry point for every story file: pick the format, read it, apply its sidecar."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from bot.core.errors import StoryFileError
from bot.core.models import Story
from bot.core.ratings import ContentRating
from bot.library.ao3_html import looks_like_ao3, parse_ao3_soup
from bot.library.decode import decode_text
from bot.library.epub import parse_epub
from bot.library.fanficfare_html import looks_like_fanficfare_html, parse_fanficfare_html
from bot.library.fanficfare_txt import looks_like_fanficfare_txt, parse_fanficfare_txt
from bot.library.html_prose import blocks_from_html, inline_text, parse_html
from bot.library.markdown import has_front_matter, parse_markdown
from bot.library.parsed import ParsedStory, meta_from_labels, single_chapter
from bot.library.plain import parse_plain, title_from_filename
from bot.library.sidecar import apply_sidecar, parse_sidecar

TEXT_SUFFIXES = {".txt", ".text", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
EPUB_SUFFIXES = {".epub"}
STORY_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | EPUB_SUFFIXES
SIDECAR_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class StoryFile:
    """A story file and its sidecar, as bytes: what the content hash is taken over."""

    path: Path
    data: bytes
    sidecar_path: Path | None
    sidecar: bytes | None

    def __reduce__(self) -> tuple[type[StoryFile], tuple[object, ...]]:
        # Sent to parsing workers by the thousand: as constructor arguments, which load several
        # times faster than the slotted dataclass's own state (a Python loop over its fields).
        return StoryFile, (self.path, self.data, self.sidecar_path, self.sidecar)

    @classmethod
    def read(cls, path: Path) -> StoryFile:
        return cls.read_with(path, sidecar_for(path))

    @classmethod
    def read_with(cls, path: Path, sidecar_path: Path | None) -> StoryFile:
        """Read ``path`` and the sidecar already found for it (by :func:`scan_folder`)."""
        return cls(
            path=path,
            data=path.read_bytes(),
            sidecar_path=sidecar_path,
            sidecar=sidecar_path.read_bytes() if sidecar_path else None,
        )


def sidecar_for(path: Path) -> Path | None:
    for suffix in SIDECAR_SUFFIXES:
        candidate = path.with_suffix(suffix)
        if candidate.is_file():
            return candidate
    return None


def parse_story_file(file: StoryFile) -> ParsedStory:
    """Read one story file; :class:`StoryFileError` names what is wrong with it."""
    suffix = file.path.suffix.lower()
    if suffix not in STORY_SUFFIXES:
        readable = ", ".join(sorted(STORY_SUFFIXES))
        raise StoryFileError(f"unsupported file type {suffix or '(none)'}; Storyteller reads {readable}")
    if suffix in EPUB_SUFFIXES:
        parsed = parse_epub(file.data)
    else:
        text, _encoding = decode_text(file.data)
        parsed = _parse_html(text, file.path) if suffix in HTML_SUFFIXES else _parse_text(text, file.path)
    if file.sidecar is not None:
        sidecar_text, _ = decode_text(file.sidecar)
        meta = apply_sidecar(parsed.story.meta, parse_sidecar(sidecar_text))
        parsed = replace(parsed, story=Story(meta, parsed.story.chapters))
    return _with_rating_notices(parsed)


def _parse_text(text: str, path: Path) -> ParsedStory:
    if has_front_matter(text):
        return parse_markdown(text, title_from_filename(path))
    if looks_like_fanficfare_txt(text):
        return parse_fanficfare_txt(text)
    return parse_plain(text, path)


def _parse_html(text: str, path: Path) -> ParsedStory:
    soup = parse_html(text)
    if looks_like_fanficfare_html(soup):
        return parse_fanficfare_html(soup)
    if looks_like_ao3(soup):
        return parse_ao3_soup(soup)
    body = soup.body
    if body is None:
        raise StoryFileError("the HTML has no <body>")
    heading = body.find("h1")
    title = inline_text(soup.find("title")) or inline_text(heading) or title_from_filename(path)
    if heading is not None:
        heading.decompose()
    chapters = single_chapter(title, blocks_from_html(body))
    if not chapters:
        raise StoryFileError("the HTML holds no story text")
    notice = "plain HTML: rating set to unrated (U); add a NAME.yaml sidecar with the rating"
    return ParsedStory(Story(meta_from_labels({}, title=title), chapters), "html", (notice,))


def _with_rating_notices(parsed: ParsedStory) -> ParsedStory:
    rating: ContentRating = parsed.story.meta.rating
    notices = list(parsed.notices)
    if not rating.recognised:
        notices.append(
            f"rating {rating.raw!r} is not one Storyteller knows: treated as unrated (U), read only in age-restricted "
            "channels; give the file a rating it knows (G, T, M, E, …) or set rating: in its .yaml sidecar"
        )
    if not rating.servable:
        notices.append(f"will never be posted: {rating.refusal}")
    if not parsed.story.meta.title.strip():
        raise StoryFileError("the story has no title")
    return replace(parsed, notices=tuple(notices))


@dataclass(frozen=True, slots=True)
class FolderScan:
    """A folder's story files, sidecars with no story beside them, and files that are neither.

    ``sidecars`` maps each story file that has a sidecar to it, so nobody looks for it again.
    """

    stories: list[Path]
    orphan_sidecars: list[Path]
    skipped: list[Path]
    sidecars: dict[Path, Path] = field(default_factory=dict)


def scan_folder(folder: Path) -> FolderScan:
    """Walk ``folder`` once (``os.scandir``: one listing per directory, no stat per name).

    Names starting with a dot are ignored, files and folders alike.
    """
    stories, orphans, skipped = [], [], []
    sidecars: dict[Path, Path] = {}
    seen: set[str] = set()
    pending = [folder]
    while pending:
        directory = pending.pop()
        try:
            real = os.path.realpath(directory)
            if real in seen:  # a symbolic link back up the tree
                continue
            seen.add(real)
            with os.scandir(directory) as listing:
                entries = [e for e in listing if not e.name.startswith(".")]
        except OSError:
            continue
        names: dict[str, str] = {}
        for entry in entries:
            try:
                if entry.is_dir():
                    pending.append(Path(entry.path))
                elif entry.is_file():
                    names[entry.name] = entry.path
            except OSError:
                continue
        stems = {stem for stem, suffix in map(os.path.splitext, names) if suffix.lower() in STORY_SUFFIXES}
        for name, full in names.items():
            path = Path(full)
            stem, suffix = os.path.splitext(name)
            lowered = suffix.lower()
            if lowered in SIDECAR_SUFFIXES:
                if stem not in stems:
                    orphans.append(path)
            elif lowered in STORY_SUFFIXES and stem.lower() not in {"readme", "license"}:
                stories.append(path)
                sidecar = next((stem + s for s in SIDECAR_SUFFIXES if stem + s in names), None)
                if sidecar is not None:
                    sidecars[path] = Path(names[sidecar])
            else:
                skipped.append(path)
    return FolderScan(sorted(stories), sorted(orphans), sorted(skipped), sidecars)

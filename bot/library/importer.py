"""Importing story files into the library: atomic per story, idempotent, with a report."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path

from bot.core.errors import StoryFileError
from bot.core.slugs import slugify
from bot.library.loader import StoryFile, parse_story_file, scan_folder
from bot.store.stories import StoryRepository

log = logging.getLogger(__name__)

# Bump when parsing changes what a file yields, so unchanged files are read again.
PARSER_VERSION = b"storyteller-parser-1"


class Outcome(Enum):
    IMPORTED = "imported"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What happened to one file."""

    path: str
    outcome: Outcome
    slug: str | None = None
    reason: str | None = None
    notices: tuple[str, ...] = ()

    def line(self) -> str:
        """The report line: ``imported  fight-for-me  stories/fight-for-me.txt``."""
        if self.outcome is Outcome.FAILED:
            return f"failed     {self.path}: {self.reason}"
        text = f"{self.outcome.value:<10} {self.slug}  ({self.path})"
        return text + "".join(f"\n           note: {n}" for n in self.notices)


@dataclass(frozen=True, slots=True)
class ImportReport:
    """One result per story file, and the files in the folders that were not stories."""

    results: list[ImportResult]
    skipped: list[str]

    def count(self, outcome: Outcome) -> int:
        return sum(r.outcome is outcome for r in self.results)

    @property
    def failed(self) -> bool:
        return self.count(Outcome.FAILED) > 0

    def summary(self) -> str:
        text = ", ".join(f"{self.count(o)} {o.value}" for o in Outcome)
        if self.skipped:
            suffixes = sorted({Path(p).suffix or Path(p).name for p in self.skipped})
            text += f"; skipped {len(self.skipped)} files that are not stories ({', '.join(suffixes)})"
        return text


Progress = Callable[[int, int, str], None]


class Importer:
    """Reads story files and saves them through the story repository."""

    def __init__(self, stories: StoryRepository, stories_dir: Path, clock: Callable[[], datetime]) -> None:
        self.stories = stories
        self.stories_dir = stories_dir
        self.clock = clock

    async def import_paths(
        self, paths: Iterable[Path] | None = None, *, progress: Progress | None = None
    ) -> ImportReport:
        """Import files and folders (the stories folder when none are given)."""
        files, results, skipped = self._expand(list(paths) if paths else [self.stories_dir])
        known = await self.stories.hashes()
        for done, path in enumerate(files, start=1):
            if progress:
                progress(done, len(files), self.source_key(path))
            results.append(await self._import_one(path, known))
        return ImportReport(results, [self.source_key(p) for p in skipped])

    def _expand(self, paths: list[Path]) -> tuple[list[Path], list[ImportResult], list[Path]]:
        files: list[Path] = []
        problems: list[ImportResult] = []
        skipped: list[Path] = []
        for path in paths:
            if path.is_dir():
                scan = scan_folder(path)
                files += scan.stories
                skipped += scan.skipped
                problems += [
                    ImportResult(
                        self.source_key(o),
                        Outcome.FAILED,
                        reason="sidecar metadata with no story file of the same name beside it",
                    )
                    for o in scan.orphan_sidecars
                ]
            elif path.is_file():
                files.append(path)
            else:
                problems.append(ImportResult(str(path), Outcome.FAILED, reason="no such file or folder"))
        return files, problems, skipped

    def source_key(self, path: Path) -> str:
        """How the library names a file: relative to the stories folder when inside it."""
        resolved = path.resolve()
        try:
            return resolved.relative_to(self.stories_dir.resolve()).as_posix()
        except ValueError:
            return resolved.as_posix()

    async def _import_one(self, path: Path, known: dict[str, str]) -> ImportResult:
        key = self.source_key(path)
        try:
            file = StoryFile.read(path)
        except OSError as exc:
            return ImportResult(key, Outcome.FAILED, reason=f"cannot read the file: {exc.strerror}")
        digest = content_hash(file)
        if known.get(key) == digest:
            slug = await self.stories.slug_for_path(key)
            return ImportResult(key, Outcome.UNCHANGED, slug=slug)
        try:
            parsed = await asyncio.to_thread(parse_story_file, file)
        except StoryFileError as exc:
            return ImportResult(key, Outcome.FAILED, reason=str(exc))
        except Exception as exc:  # a parser bug must not stop the other files
            log.exception("Unexpected error reading %s", key)
            return ImportResult(key, Outcome.FAILED, reason=f"unexpected error: {type(exc).__name__}: {exc}")
        record, created = await self.stories.save(
            parsed.story,
            source_path=key,
            source_format=parsed.format,
            content_hash=digest,
            slug=slugify(parsed.story.meta.title),
            now=self.clock(),
        )
        outcome = Outcome.IMPORTED if created else Outcome.UPDATED
        return ImportResult(key, outcome, slug=record.slug, notices=parsed.notices)


def content_hash(file: StoryFile) -> str:
    digest = hashlib.sha256(PARSER_VERSION)
    digest.update(file.data)
    if file.sidecar is not None:
        digest.update(b"\0sidecar\0")
        digest.update(file.sidecar)
    return digest.hexdigest()

"""Importing story files into the library: atomic per story, idempotent, with a report."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path

from bot.core.errors import StoryFileError
from bot.core.slugs import slugify
from bot.library.loader import StoryFile, parse_story_file, scan_folder
from bot.library.parsed import ParsedStory
from bot.store.stories import StoryRepository

log = logging.getLogger(__name__)

POOL_THRESHOLD = 64  # files; below this, starting worker processes costs more than it saves

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
        """Import files and folders (the stories folder when none are given).

        Files are read and parsed ahead of the one being saved, so parsing overlaps
        SQLite's work: in a worker thread for a few files, in worker processes (one per
        core) for a large library, where parsing would otherwise hold the GIL.
        """
        files, results, skipped = self._expand(list(paths) if paths else [self.stories_dir])
        known = await self.stories.known_files()
        queue = iter(files)
        ahead: deque[asyncio.Future[_Read]] = deque()
        loop = asyncio.get_running_loop()
        workers = os.cpu_count() or 1
        pool = None
        if len(files) >= POOL_THRESHOLD and workers > 1:
            keys = [self.source_key(p) for p in files]
            changed = await asyncio.to_thread(count_changed, files, keys, known)
            if changed >= POOL_THRESHOLD:
                pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))

        def read_next() -> None:
            path = next(queue, None)
            if path is not None:
                key = self.source_key(path)
                ahead.append(loop.run_in_executor(pool, read_story, path, key, known.get(key)))

        for _ in range(2 * workers if pool else 2):
            read_next()
        try:
            for done in range(1, len(files) + 1):
                read = await ahead.popleft()
                read_next()
                if progress:
                    progress(done, len(files), read.key)
                results.append(await self._store(read))
        finally:
            for future in ahead:
                future.cancel()
            if pool is not None:
                pool.shutdown(cancel_futures=True)
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

    async def _store(self, read: _Read) -> ImportResult:
        if read.result is not None:
            return read.result
        assert read.parsed is not None
        parsed = read.parsed
        record, created = await self.stories.save(
            parsed.story,
            source_path=read.key,
            source_format=parsed.format,
            content_hash=read.digest,
            slug=slugify(parsed.story.meta.title),
            now=self.clock(),
        )
        outcome = Outcome.IMPORTED if created else Outcome.UPDATED
        return ImportResult(read.key, outcome, slug=record.slug, notices=parsed.notices)


@dataclass(frozen=True, slots=True)
class _Read:
    """A file read ahead: either its final result, or its parsed story to save."""

    key: str
    result: ImportResult | None = None
    digest: str = ""
    parsed: ParsedStory | None = None


def count_changed(files: list[Path], keys: list[str], known: dict[str, tuple[str, str]]) -> int:
    """How many files differ from what the library holds (hashing is cheap; parsing is not)."""
    changed = 0
    for path, key in zip(files, keys, strict=True):
        try:
            digest = content_hash(StoryFile.read(path))
        except OSError:
            continue
        previous = known.get(key)
        changed += previous is None or previous[0] != digest
    return changed


def read_story(path: Path, key: str, previous: tuple[str, str] | None) -> _Read:
    """Read, hash and parse one file (in a worker thread or process); never raises.

    ``previous`` is the (hash, slug) the library holds for this file, if any.
    """
    try:
        file = StoryFile.read(path)
    except OSError as exc:
        reason = f"cannot read the file: {exc.strerror}"
        return _Read(key, ImportResult(key, Outcome.FAILED, reason=reason))
    digest = content_hash(file)
    if previous is not None and previous[0] == digest:
        return _Read(key, ImportResult(key, Outcome.UNCHANGED, slug=previous[1]))
    try:
        return _Read(key, digest=digest, parsed=parse_story_file(file))
    except StoryFileError as exc:
        return _Read(key, ImportResult(key, Outcome.FAILED, reason=str(exc)))
    except Exception as exc:  # a parser bug must not stop the other files
        log.exception("Unexpected error reading %s", key)
        reason = f"unexpected error: {type(exc).__name__}: {exc}"
        return _Read(key, ImportResult(key, Outcome.FAILED, reason=reason))


def content_hash(file: StoryFile) -> str:
    digest = hashlib.sha256(PARSER_VERSION)
    digest.update(file.data)
    if file.sidecar is not None:
        digest.update(b"\0sidecar\0")
        digest.update(file.sidecar)
    return digest.hexdigest()

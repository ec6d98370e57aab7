"""Importing story files into the library: atomic per story, idempotent, with a report."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from pathlib import Path

from bot.core.errors import StoryFileError
from bot.core.models import Story
from bot.core.slugs import slugify
from bot.library.loader import StoryFile, parse_story_file, scan_folder, sidecar_for
from bot.store.stories import LibraryFile, Stamp, StoryRepository, StoryRows, StoryVersion, story_rows

log = logging.getLogger(__name__)

POOL_THRESHOLD = 64  # files; below this, starting worker processes costs more than it saves

# Bump when parsing changes what a file yields, so unchanged files are read again.
PARSER_VERSION = b"storyteller-parser-1"


class Outcome(Enum):
    IMPORTED = "imported"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    FAILED = "failed"
    MOVED = "moved"
    DUPLICATE = "duplicate"


@dataclass(frozen=True, slots=True)
class ImportResult:
    """What happened to one file."""

    path: str
    outcome: Outcome
    slug: str | None = None
    reason: str | None = None
    notices: tuple[str, ...] = ()
    moved_from: str | None = None

    def line(self) -> str:
        """The report line: ``imported  fight-for-me  stories/fight-for-me.txt``."""
        if self.outcome is Outcome.FAILED:
            return f"failed     {self.path}: {self.reason}"
        if self.outcome is Outcome.DUPLICATE:
            return f"duplicate  {self.path}: duplicate of {self.slug}"
        text = f"{self.outcome.value:<10} {self.slug}  ({self.path})"
        if self.outcome is Outcome.MOVED:
            text += f" moved from {self.moved_from}"
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
        shown = [o for o in Outcome if o not in (Outcome.MOVED, Outcome.DUPLICATE) or self.count(o)]
        text = ", ".join(f"{self.count(o)} {o.value}" for o in shown)
        if self.skipped:
            suffixes = sorted({Path(p).suffix or Path(p).name for p in self.skipped})
            text += f"; skipped {len(self.skipped)} files that are not stories ({', '.join(suffixes)})"
        return text


Progress = Callable[[int, int, str], None]


class Importer:
    """Reads story files and saves them through the story repository.

    A file is recognised by its path, and by its content (SHA-256 of file, sidecar and parser
    version) when its path is new: content the library holds under a path that no longer
    exists is a moved file (its story keeps id, slug, readings and reactions), and content
    the library holds under a path that still exists is a duplicate, reported, not imported.
    """

    def __init__(self, stories: StoryRepository, stories_dir: Path, clock: Callable[[], datetime]) -> None:
        self.stories = stories
        self.stories_dir = stories_dir
        self.clock = clock

    async def import_paths(
        self, paths: Iterable[Path] | None = None, *, progress: Progress | None = None
    ) -> ImportReport:
        """Import files and folders (the stories folder when none are given).

        Only files whose size or modification time (or their sidecar's) differ from what the
        library recorded are read and hashed, and only those whose hash is new are parsed:
        in one pool of worker processes (one per core) when there are many, else in a worker
        thread, a chunk of files per task, while parsed stories are saved a batch per
        transaction. A file named twice (a folder and a file in it) counts once.
        """
        started_ns = time.time_ns()
        files, sidecars, problems, skipped = await asyncio.to_thread(
            self._expand, list(paths) if paths else [self.stories_dir]
        )
        run = _Run(self, await self.stories.library_files(), started_ns, progress, len(files))
        stamps = await asyncio.to_thread(_stamps, [p for p, _ in files], sidecars)
        changed: list[_Candidate] = []
        seen: set[str] = set()
        for index, ((path, key), stamp) in enumerate(zip(files, stamps, strict=True)):
            known = run.by_path.get(key)
            if key in seen:
                continue
            seen.add(key)
            if known is not None and stamp is not None and known.stamp == stamp:
                run.results[index] = ImportResult(key, Outcome.UNCHANGED, slug=known.slug)
            else:
                changed.append(_Candidate(index, path, key, sidecars.get(path), stamp))
        run.advance(len(files) - len(changed), "")
        try:
            await run.process(changed)
        finally:
            run.close()
        ordered = [r for r in run.results if r is not None]
        return ImportReport(problems + ordered, [self.source_key(p) for p in skipped])

    def _expand(
        self, paths: list[Path]
    ) -> tuple[list[tuple[Path, str]], dict[Path, Path | None], list[ImportResult], list[Path]]:
        """The story files to look at, with their source keys; their sidecars; problems; other files."""
        files: list[tuple[Path, str]] = []
        sidecars: dict[Path, Path | None] = {}
        problems: list[ImportResult] = []
        skipped: list[Path] = []
        root = self.stories_dir.resolve()
        for path in paths:
            if path.is_dir():
                folder = path.resolve()  # once: the files under it need no resolving each
                scan = scan_folder(folder)
                base = folder.relative_to(root).as_posix() if folder.is_relative_to(root) else None
                cut = len(str(folder)) + 1
                for story in scan.stories:
                    if base is None:
                        files.append((story, story.as_posix()))
                    else:
                        relative = str(story)[cut:].replace(os.sep, "/")
                        files.append((story, relative if base == "." else f"{base}/{relative}"))
                sidecars.update((p, scan.sidecars.get(p)) for p in scan.stories)
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
                files.append((path, self.source_key(path)))
                sidecars[path] = sidecar_for(path)
            else:
                problems.append(ImportResult(str(path), Outcome.FAILED, reason="no such file or folder"))
        return files, sidecars, problems, skipped

    def source_key(self, path: Path) -> str:
        """How the library names a file: relative to the stories folder when inside it."""
        resolved = path.resolve()
        try:
            return resolved.relative_to(self.stories_dir.resolve()).as_posix()
        except ValueError:
            return resolved.as_posix()

    def path_of(self, key: str) -> Path:
        """The file a source key names (the inverse of :meth:`source_key`)."""
        path = Path(key)
        return path if path.is_absolute() else self.stories_dir / path


# A file's modification time counts only once it is this old: a file written again within the
# file system's time granularity after it was read could otherwise keep size and time.
RACY_NS = 2_000_000_000
CHUNK_FILES = 256  # at most, per task for the workers...
CHUNK_BYTES = 2 << 20  # ...and at most about this many bytes (one file may be larger)
# Stories per transaction, at most, and about this many bytes of files. Small enough that the
# writer starts early and that the last transaction, which runs alone once every file is
# parsed, is short: with 2,048 stories (8 MB) that tail was a tenth of a 10,000-file import.
SAVE_BATCH = 512
SAVE_BYTES = 2 << 20


def _trusted(stamp: Stamp, started_ns: int) -> Stamp:
    """``stamp`` as it may be recorded: without times too recent to tell a later change by."""
    size, mtime, sidecar_size, sidecar_mtime = stamp
    if mtime is not None and mtime > started_ns - RACY_NS:
        mtime = None
    if sidecar_mtime is not None and sidecar_mtime > started_ns - RACY_NS:
        mtime = None
    return (size, mtime, sidecar_size, sidecar_mtime)


def _stamps(files: list[Path], sidecars: dict[Path, Path | None]) -> list[Stamp | None]:
    """Size and modification time of each file and its sidecar; None when it cannot be stat'ed."""
    stamps: list[Stamp | None] = []
    for path in files:
        try:
            st = os.stat(path)
            sidecar = sidecars.get(path)
            side = os.stat(sidecar) if sidecar is not None else None
        except OSError:
            stamps.append(None)
            continue
        stamps.append((st.st_size, st.st_mtime_ns, side and side.st_size, side and side.st_mtime_ns))
    return stamps


@dataclass(frozen=True, slots=True)
class _Candidate:
    """A file whose stamp differs from the library's: it is read and hashed."""

    index: int
    path: Path
    key: str
    sidecar: Path | None
    stamp: Stamp | None


@dataclass(slots=True)
class _Hashed:
    candidate: _Candidate
    file: StoryFile | None = None
    digest: str = ""
    reason: str = ""


@dataclass(slots=True)
class _Parse:
    """A file to parse and save, and what it will be if it saves."""

    hashed: _Hashed
    known: LibraryFile | None


class _Run:
    """One import: what the library holds, the results so far, and the worker pool."""

    def __init__(
        self,
        importer: Importer,
        library: list[LibraryFile],
        started_ns: int,
        progress: Progress | None,
        total: int,
    ) -> None:
        self.importer = importer
        self.by_path = {f.source_path: f for f in library}
        self.by_hash: dict[str, list[LibraryFile]] = {}
        for f in library:
            self.by_hash.setdefault(f.content_hash, []).append(f)
        self.started_ns = started_ns
        self.progress = progress
        self.total = total
        self.done = 0
        self.results: list[ImportResult | None] = [None] * total
        self.pending: dict[str, int] = {}  # content hash -> index of the file in this run that has it
        self.duplicates: list[tuple[int, str, int]] = []  # (index, key, index of the file it repeats)
        self.sources: list[tuple[int, str, Stamp | None]] = []  # moved or touched: path and stamp
        self.pool: Executor | None = None
        self.batch: list[StoryVersion] = []  # parsed, to save in the next transaction
        self.saving: list[tuple[_Parse, _Parsed]] = []  # the same, as the import knows them
        self.batch_bytes = 0
        self.workers = os.cpu_count() or 1

    def advance(self, count: int, label: str) -> None:
        self.done += count
        if self.progress and count:
            self.progress(self.done, self.total, label)

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)

    def _executor(self, many: bool) -> Executor | None:
        """Worker processes for many files on several cores (started once, on first need), else a thread."""
        if not many or self.workers < 2:
            return None
        if self.pool is None:
            self.pool = ProcessPoolExecutor(self.workers, mp_context=_worker_context())
        return self.pool

    async def process(self, changed: list[_Candidate]) -> None:
        """Read, hash and classify chunk after chunk while parsed chunks are saved.

        Two tasks: one reads (in a thread) and hands files to the workers, the other waits
        for the workers in order and writes; so reading, parsing and SQLite's work overlap.
        """
        loop = asyncio.get_running_loop()
        many = len(changed) >= POOL_THRESHOLD
        queue: asyncio.Queue[tuple[list[_Parse], asyncio.Future[list[_Parsed | str]]] | None]
        queue = asyncio.Queue(2 * self.workers if many else 2)
        submitted: set[asyncio.Future[list[_Parsed | str]]] = set()  # to cancel if the import fails

        async def read() -> None:
            for chunk in _chunks(changed):
                work = self._classify(await asyncio.to_thread(_read_chunk, chunk))
                if work:
                    files = [w.hashed.file for w in work]
                    for w in work:
                        w.hashed.file = None  # the parser has it now; hold no second copy while it waits
                    future = loop.run_in_executor(self._executor(many), parse_chunk, files)
                    del files
                    submitted.add(future)
                    await queue.put((work, future))
            await queue.put(None)

        async def save() -> None:
            while (item := await queue.get()) is not None:
                await self._collect(*item)
                submitted.discard(item[1])
                del item  # its parsed stories are in the batch now, or saved
                if self._full():
                    await self._flush()
            await self._flush()

        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(read())
                group.create_task(save())
        except BaseExceptionGroup as group_error:  # one task's error, not the group's
            raise group_error.exceptions[0] from None
        finally:
            for future in submitted:
                future.cancel()
        await self.importer.stories.update_sources(self.sources)
        for index, key, original in self.duplicates:
            first = self.results[original]
            assert first is not None
            if first.outcome is Outcome.FAILED:
                reason = f"the same content as {first.path}, which failed"
                self.results[index] = ImportResult(key, Outcome.FAILED, reason=reason)
            else:
                self.results[index] = ImportResult(key, Outcome.DUPLICATE, slug=first.slug)

    def _classify(self, hashed: list[_Hashed]) -> list[_Parse]:
        """Settle what the hash settles (unchanged, moved, duplicate, unreadable); the rest is parsed."""
        work: list[_Parse] = []
        for h in hashed:
            c = h.candidate
            stamp = None if c.stamp is None else _trusted(c.stamp, self.started_ns)
            known = self.by_path.get(c.key)
            if h.file is None:
                self._result(c.index, ImportResult(c.key, Outcome.FAILED, reason=h.reason))
            elif known is not None and known.content_hash == h.digest:
                self.sources.append((known.story_id, c.key, stamp))
                self._result(c.index, ImportResult(c.key, Outcome.UNCHANGED, slug=known.slug))
            elif known is None and h.digest in self.pending:
                self.duplicates.append((c.index, c.key, self.pending[h.digest]))
                self.advance(1, c.key)
            elif known is None and (same := self.by_hash.get(h.digest)):
                self._same_content(c, stamp, same)
            else:
                self.pending[h.digest] = c.index
                work.append(_Parse(h, known))
                if known is not None:  # its old content is on its way out of the library
                    old = self.by_hash.get(known.content_hash, [])
                    old[:] = [f for f in old if f.story_id != known.story_id]
        return work

    def _same_content(self, c: _Candidate, stamp: Stamp | None, same: list[LibraryFile]) -> None:
        """A new path holding content the library has: a moved file, or a duplicate."""
        gone = [f for f in same if not self.importer.path_of(f.source_path).exists()]
        if not gone:
            self._result(c.index, ImportResult(c.key, Outcome.DUPLICATE, slug=same[0].slug))
            return
        old = gone[0]
        moved = LibraryFile(old.story_id, old.slug, c.key, old.content_hash, stamp)
        self.by_path.pop(old.source_path, None)
        self.by_path[c.key] = moved
        same[same.index(old)] = moved
        self.sources.append((old.story_id, c.key, stamp))
        self._result(c.index, ImportResult(c.key, Outcome.MOVED, slug=old.slug, moved_from=old.source_path))

    def _result(self, index: int, result: ImportResult) -> None:
        self.results[index] = result
        self.advance(1, result.path)

    async def _collect(self, work: list[_Parse], future: asyncio.Future[list[_Parsed | str]]) -> None:
        """Wait for a chunk's parsing; its stories join the next transaction."""
        parsed = await future
        for w, p in zip(work, parsed, strict=True):
            c = w.hashed.candidate
            if isinstance(p, str):
                self._result(c.index, ImportResult(c.key, Outcome.FAILED, reason=p))
                continue
            stamp = None if c.stamp is None else _trusted(c.stamp, self.started_ns)
            known = w.known
            self.batch.append(
                StoryVersion(
                    p.rows,
                    source_path=c.key,
                    source_format=p.format,
                    content_hash=w.hashed.digest,
                    slug=p.slug,
                    stamp=stamp,
                    story_id=None if known is None else known.story_id,
                    current_slug=None if known is None else known.slug,
                )
            )
            self.saving.append((w, p))
            self.batch_bytes += c.stamp[0] if c.stamp is not None else 0

    def _full(self) -> bool:
        return len(self.batch) >= SAVE_BATCH or self.batch_bytes >= SAVE_BYTES

    async def _flush(self) -> None:
        """Save the stories parsed so far, in one transaction."""
        batch, saving = self.batch, self.saving
        self.batch, self.saving, self.batch_bytes = [], [], 0
        saved = await self.importer.stories.save_many(batch, now=self.importer.clock())
        for (w, p), outcome in zip(saving, saved, strict=True):
            c = w.hashed.candidate
            if isinstance(outcome, str):
                self._result(c.index, ImportResult(c.key, Outcome.FAILED, reason=outcome))
                continue
            kind = Outcome.IMPORTED if outcome.created else Outcome.UPDATED
            self._result(c.index, ImportResult(c.key, kind, slug=outcome.slug, notices=p.notices))
            record = LibraryFile(outcome.story_id, outcome.slug, c.key, w.hashed.digest, None)
            self.by_path[c.key] = record
            self.by_hash.setdefault(w.hashed.digest, []).append(record)


def _worker_context() -> multiprocessing.context.BaseContext:
    """Worker processes forked from a fork server that has imported the parsers once.

    Not forked from this process: its threads (the database's, the event loop's helpers)
    may hold locks a forked child would inherit held. Spawn where there is no fork server.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def _chunks(candidates: list[_Candidate]) -> Iterator[list[_Candidate]]:
    """The candidates in chunks of at most CHUNK_FILES files and about CHUNK_BYTES bytes."""
    chunk: list[_Candidate] = []
    size = 0
    for c in candidates:
        chunk.append(c)
        size += c.stamp[0] if c.stamp is not None else 0
        if len(chunk) >= CHUNK_FILES or size >= CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _read_chunk(candidates: list[_Candidate]) -> list[_Hashed]:
    """Read and hash files (in a worker thread: hashing and reading release the GIL)."""
    hashed = []
    for c in candidates:
        try:
            file = StoryFile.read_with(c.path, c.sidecar)
        except OSError as exc:
            hashed.append(_Hashed(c, reason=f"cannot read the file: {exc.strerror}"))
            continue
        hashed.append(_Hashed(c, file, content_hash(file)))
    return hashed


@dataclass(frozen=True, slots=True)
class _Parsed:
    """A parsed story, as rows ready to insert: what a worker sends back."""

    rows: StoryRows
    format: str
    notices: tuple[str, ...]
    slug: str  # from the title, for a new story without a sidecar slug

    def __reduce__(self) -> tuple[type[_Parsed], tuple[object, ...]]:
        # As constructor arguments, for the same reason as StoryRows.
        return _Parsed, (self.rows, self.format, self.notices, self.slug)


def parse_chunk(files: list[StoryFile]) -> list[_Parsed | str]:
    """Parse files and build their rows (in a worker process or thread); a failure is its reason."""
    return [_parse_one(f) for f in files]


def _parse_one(file: StoryFile) -> _Parsed | str:
    try:
        parsed = parse_story_file(file)
        return _Parsed(story_rows(parsed.story), parsed.format, parsed.notices, slugify(parsed.story.meta.title))
    except StoryFileError as exc:
        return str(exc)
    except Exception as exc:  # a parser bug must not stop the other files
        log.exception("Unexpected error reading %s", file.path)
        return f"unexpected error: {type(exc).__name__}: {exc}"


def content_hash(file: StoryFile) -> str:
    digest = hashlib.sha256(PARSER_VERSION)
    digest.update(file.data)
    if file.sidecar is not None:
        digest.update(b"\0sidecar\0")
        digest.update(file.sidecar)
    return digest.hexdigest()


def story_digest(story: Story) -> str:
    """What a story says, not how its file was packaged: metadata (without the fields no model
    field holds, such as a packaging time) and every chapter."""
    digest = hashlib.sha256(PARSER_VERSION + b"\0story\0")
    meta = dataclasses.replace(story.meta, extra={})
    digest.update(repr(meta).encode())
    for chapter in story.chapters:
        digest.update(b"\0chapter\0" + chapter.title.encode())
        for block in chapter.blocks:
            digest.update(b"\0" + block.encode())
    return digest.hexdigest()

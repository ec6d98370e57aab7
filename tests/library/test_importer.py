"""Importing folders: atomic per story, idempotent, stable identities, a report per file."""

import shutil
from datetime import UTC, datetime

from bot.library.importer import Importer, Outcome
from bot.store.stories import StoryRepository
from tests.conftest import FIXTURES, SHIPPED_STORY


def clock():
    return datetime(2026, 11, 24, tzinfo=UTC)


def importer(db, folder):
    return Importer(StoryRepository(db), folder, clock)


async def test_import_is_idempotent_and_updates_in_place(db, tmp_path):
    folder = tmp_path / "stories"
    folder.mkdir()
    story = folder / "fight-for-me.txt"
    shutil.copy(SHIPPED_STORY, story)
    imp = importer(db, folder)
    [first] = (await imp.import_paths()).results
    assert (first.outcome, first.slug, first.path) == (Outcome.IMPORTED, "fight-for-me", "fight-for-me.txt")
    [again] = (await imp.import_paths()).results
    assert again.outcome is Outcome.UNCHANGED
    before = await imp.stories.by_slug("fight-for-me")
    story.write_text(story.read_text().replace("Fight For Me", "Fight For Me, Revised"))
    [changed] = (await imp.import_paths()).results
    after = await imp.stories.by_slug("fight-for-me")
    assert changed.outcome is Outcome.UPDATED
    assert after.id == before.id and after.title == "Fight For Me, Revised"


async def test_a_changed_sidecar_reimports(db, tmp_path):
    shutil.copy(SHIPPED_STORY, tmp_path / "f.txt")
    imp = importer(db, tmp_path)
    await imp.import_paths()
    (tmp_path / "f.yaml").write_text("rating: M\n")
    [result] = (await imp.import_paths()).results
    assert result.outcome is Outcome.UPDATED
    assert (await imp.stories.by_slug("fight-for-me")).rating.level.value == "M"


async def test_mixed_folder_imports_good_files_and_names_broken_ones(db, tmp_path):
    folder = tmp_path / "stories"
    folder.mkdir()
    shutil.copy(SHIPPED_STORY, folder / "fight-for-me.txt")
    shutil.copy(FIXTURES / "fanficfare" / "long-way-home.epub", folder / "long-way-home.epub")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (folder / "empty.txt").write_bytes(b"")
    (folder / "header-only.txt").write_text("Title: Only A Header\nRating: K\n")
    (folder / "undecodable.txt").write_bytes(b"\xef\xbb\xbfTitle: X\n\n\xff\xfe broken")
    (folder / "truncated.epub").write_bytes((FIXTURES / "fanficfare" / "long-way-home.epub").read_bytes()[:2500])
    (folder / "bad-yaml.md").write_text("---\ntitle: [oops\n---\n\nText.\n")
    (folder / "orphan.yaml").write_text("rating: T\n")
    (folder / "cover.jpg").write_bytes(b"\xff\xd8\xff")
    report = await importer(db, folder).import_paths()
    results = {r.path: r for r in report.results}
    failed = {p for p, r in results.items() if r.outcome is Outcome.FAILED}
    assert failed == {
        "binary.txt",
        "empty.txt",
        "header-only.txt",
        "undecodable.txt",
        "truncated.epub",
        "bad-yaml.md",
        "orphan.yaml",
    }
    assert all(results[p].reason for p in failed)
    assert report.skipped == ["cover.jpg"]
    assert report.failed
    assert results["fight-for-me.txt"].outcome is Outcome.IMPORTED
    assert results["long-way-home.epub"].outcome is Outcome.IMPORTED
    assert sorted(r.slug for r in await StoryRepository(db).all()) == ["fight-for-me", "the-long-way-home"]


async def test_a_file_that_breaks_later_keeps_its_last_good_version(db, tmp_path):
    story = tmp_path / "f.txt"
    shutil.copy(SHIPPED_STORY, story)
    imp = importer(db, tmp_path)
    await imp.import_paths()
    story.write_bytes(b"")
    [result] = (await imp.import_paths()).results
    assert result.outcome is Outcome.FAILED and "empty" in result.reason
    record = await imp.stories.by_slug("fight-for-me")
    assert record.words == 1243
    assert len(await imp.stories.chapters(record.id)) == 1


async def test_a_large_library_is_parsed_in_worker_processes_with_the_same_results(db, tmp_path):
    from bot.library.importer import POOL_THRESHOLD

    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(POOL_THRESHOLD + 6):
        (folder / f"s{n:03d}.txt").write_text(f"Title: Story {n}\nRating: K\n\nText of story {n}.\n")
    (folder / "broken.txt").write_bytes(b"")
    report = await importer(db, folder).import_paths()
    assert report.count(Outcome.IMPORTED) == POOL_THRESHOLD + 6
    assert [r.path for r in report.results if r.outcome is Outcome.FAILED] == ["broken.txt"]
    assert (await StoryRepository(db).by_slug("story-42")).words == 4
    again = await importer(db, folder).import_paths()  # unchanged: no workers needed, same answers
    assert again.count(Outcome.UNCHANGED) == POOL_THRESHOLD + 6


def age(*paths, seconds=60):
    """Move files' modification times into the past, as for files that have sat in the folder."""
    import os
    import time

    for path in paths:
        then = time.time() - seconds
        os.utime(path, (then, then))


def count_reads(monkeypatch):
    """Count the files the importer reads (opens), by path name."""
    from bot.library.loader import StoryFile

    reads = []
    original = StoryFile.read_with.__func__

    def read_with(cls, path, sidecar_path):
        reads.append(path.name)
        return original(cls, path, sidecar_path)

    monkeypatch.setattr(StoryFile, "read_with", classmethod(read_with))
    return reads


async def test_an_unchanged_file_is_known_by_size_and_time_without_being_read(db, tmp_path, monkeypatch):
    shutil.copy(SHIPPED_STORY, tmp_path / "f.txt")
    age(tmp_path / "f.txt")
    imp = importer(db, tmp_path)
    await imp.import_paths()
    reads = count_reads(monkeypatch)
    [again] = (await imp.import_paths()).results
    assert (again.outcome, again.slug, reads) == (Outcome.UNCHANGED, "fight-for-me", [])
    age(tmp_path / "f.txt", seconds=30)  # touched: read and hashed once, unchanged, then known again
    [touched] = (await imp.import_paths()).results
    assert (touched.outcome, reads) == (Outcome.UNCHANGED, ["f.txt"])
    await imp.import_paths()
    assert reads == ["f.txt"]


async def test_a_file_modified_just_now_is_hashed_again_next_time(db, tmp_path, monkeypatch):
    """A time within the racy window is not trusted: an edit keeping size and time is still seen."""
    story = tmp_path / "f.txt"
    shutil.copy(SHIPPED_STORY, story)
    imp = importer(db, tmp_path)
    await imp.import_paths()
    stat = story.stat()
    story.write_text(story.read_text().replace("Fight For Me", "Fight For Us"))  # same size
    import os

    os.utime(story, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    [result] = (await imp.import_paths()).results
    assert result.outcome is Outcome.UPDATED
    assert (await imp.stories.by_slug("fight-for-me")).title == "Fight For Us"


async def test_an_edited_sidecar_counts_as_a_change(db, tmp_path):
    shutil.copy(SHIPPED_STORY, tmp_path / "f.txt")
    (tmp_path / "f.yaml").write_text("rating: T\n")
    age(tmp_path / "f.txt", tmp_path / "f.yaml")
    imp = importer(db, tmp_path)
    await imp.import_paths()
    (tmp_path / "f.yaml").write_text("rating: M\n")  # same size, new time
    age(tmp_path / "f.yaml", seconds=10)
    [result] = (await imp.import_paths()).results
    assert result.outcome is Outcome.UPDATED
    assert (await imp.stories.by_slug("fight-for-me")).rating.level.value == "M"
    (tmp_path / "f.yaml").unlink()
    [removed] = (await imp.import_paths()).results
    assert removed.outcome is Outcome.UPDATED


async def test_the_same_content_at_a_second_path_is_a_duplicate(db, tmp_path):
    shutil.copy(SHIPPED_STORY, tmp_path / "a.txt")
    imp = importer(db, tmp_path)
    await imp.import_paths()
    (tmp_path / "copies").mkdir()
    shutil.copy(SHIPPED_STORY, tmp_path / "copies" / "b.txt")
    report = await imp.import_paths()
    results = {r.path: r for r in report.results}
    assert results["a.txt"].outcome is Outcome.UNCHANGED
    duplicate = results["copies/b.txt"]
    assert (duplicate.outcome, duplicate.slug) == (Outcome.DUPLICATE, "fight-for-me")
    assert duplicate.line() == "duplicate  copies/b.txt: duplicate of fight-for-me"
    assert "1 duplicate" in report.summary() and not report.failed
    assert [r.slug for r in await imp.stories.all()] == ["fight-for-me"]


async def test_copies_in_one_import_make_one_story(db, tmp_path):
    for name in ("a.txt", "b.txt", "c.md"):
        shutil.copy(SHIPPED_STORY, tmp_path / name)
    report = await importer(db, tmp_path).import_paths()
    assert [(r.path, r.outcome, r.slug) for r in report.results] == [
        ("a.txt", Outcome.IMPORTED, "fight-for-me"),
        ("b.txt", Outcome.DUPLICATE, "fight-for-me"),
        ("c.md", Outcome.DUPLICATE, "fight-for-me"),
    ]
    assert await StoryRepository(db).count() == 1


async def test_a_moved_or_renamed_file_keeps_its_story(db, tmp_path):
    shutil.copy(SHIPPED_STORY, tmp_path / "f.txt")
    imp = importer(db, tmp_path)
    await imp.import_paths()
    before = await imp.stories.by_slug("fight-for-me")
    (tmp_path / "buffy").mkdir()
    (tmp_path / "f.txt").rename(tmp_path / "buffy" / "fight.txt")
    [moved] = (await imp.import_paths()).results
    assert (moved.outcome, moved.slug, moved.path) == (Outcome.MOVED, "fight-for-me", "buffy/fight.txt")
    assert moved.line() == "moved      fight-for-me  (buffy/fight.txt) moved from f.txt"
    after = await imp.stories.by_slug("fight-for-me")
    assert (after.id, after.source_path) == (before.id, "buffy/fight.txt")
    assert await imp.stories.count() == 1
    [again] = (await imp.import_paths()).results
    assert again.outcome is Outcome.UNCHANGED
    # Moved back, with its sidecar: the sidecar is part of the content, so it moves too.
    (tmp_path / "buffy" / "fight.yaml").write_text("rating: T\n")
    await imp.import_paths()
    (tmp_path / "buffy" / "fight.txt").rename(tmp_path / "f.txt")
    (tmp_path / "buffy" / "fight.yaml").rename(tmp_path / "f.yaml")
    [back] = (await imp.import_paths()).results
    assert (back.outcome, back.moved_from) == (Outcome.MOVED, "buffy/fight.txt")
    assert (await imp.stories.by_slug("fight-for-me")).id == before.id


async def test_a_moved_story_keeps_its_readers_feedback(db, tmp_path):
    shutil.copy(SHIPPED_STORY, tmp_path / "f.txt")
    imp = importer(db, tmp_path)
    await imp.import_paths()
    record = await imp.stories.by_slug("fight-for-me")
    async with db.transaction() as conn:
        await conn.execute(
            "INSERT INTO feedback (story_id, guild_id, user_id, user_name, text, created_at) "
            "VALUES (?, 1, 2, 'ann', 'Loved it', '2026-11-24T00:00:00+00:00')",
            (record.id,),
        )
    (tmp_path / "f.txt").rename(tmp_path / "renamed.txt")
    await imp.import_paths()
    rows = await db.fetchall("SELECT story_id FROM feedback")
    assert [r[0] for r in rows] == [record.id]
    assert (await imp.stories.by_slug("fight-for-me")).source_path == "renamed.txt"


async def test_a_file_named_twice_counts_once(db, tmp_path):
    shutil.copy(SHIPPED_STORY, tmp_path / "f.txt")
    report = await importer(db, tmp_path).import_paths([tmp_path, tmp_path / "f.txt"])
    assert [(r.path, r.outcome) for r in report.results] == [("f.txt", Outcome.IMPORTED)]


async def test_a_renamed_file_with_a_new_file_in_its_old_place(db, tmp_path):
    """a.txt renamed to b.txt and a different a.txt written: a.txt stays its story, b.txt is new."""
    shutil.copy(SHIPPED_STORY, tmp_path / "a.txt")
    imp = importer(db, tmp_path)
    await imp.import_paths()
    (tmp_path / "a.txt").rename(tmp_path / "b.txt")
    (tmp_path / "a.txt").write_text("Title: Another Story\nRating: K\n\nOther words.\n")
    report = await imp.import_paths()
    assert [(r.path, r.outcome, r.slug) for r in report.results] == [
        ("a.txt", Outcome.UPDATED, "fight-for-me"),
        ("b.txt", Outcome.IMPORTED, "fight-for-me-2"),
    ]


def test_what_crosses_to_and_from_the_workers_pickles_whole():
    """StoryFile, StoryRows and _Parsed pickle as their constructor's arguments (faster to load)."""
    import pickle

    from bot.library.importer import _parse_one
    from bot.library.loader import StoryFile

    file = StoryFile(SHIPPED_STORY, SHIPPED_STORY.read_bytes(), SHIPPED_STORY.with_suffix(".yaml"), b"rating: T\n")
    parsed = _parse_one(file)
    assert not isinstance(parsed, str)
    for value in (file, parsed, parsed.rows):
        assert pickle.loads(pickle.dumps(value)) == value

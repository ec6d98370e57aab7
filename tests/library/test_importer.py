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

"""Every file shipped in stories/ imports cleanly: one test lists all failures at once."""

from bot.library.loader import StoryFile, parse_story_file, scan_folder
from tests.conftest import ROOT


def test_every_shipped_story_loads():
    scan = scan_folder(ROOT / "stories")
    paths, orphans = scan.stories, scan.orphan_sidecars
    assert paths, "stories/ ships no story"
    failures = {}
    for path in paths:
        try:
            parsed = parse_story_file(StoryFile.read(path))
        except Exception as exc:  # collect every failure, not just the first
            failures[path.name] = str(exc)
            continue
        if not parsed.story.meta.rating.recognised:
            failures[path.name] = f"unrecognised rating {parsed.story.meta.rating.raw!r}"
    assert not orphans, f"sidecars without a story: {orphans}"
    assert not scan.skipped, f"files in stories/ that are not stories: {scan.skipped}"
    assert not failures, failures

"""The operator commands, run as the real process against a real database file."""

import importlib.util
import json
import os
import shutil
import subprocess
import sys

import pytest

from bot.core.text import plain_words
from tests.conftest import FIXTURES, ROOT, SHIPPED_STORY


def run(cwd, *args, env=None):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_")}
    environment.update({"PYTHONPATH": str(ROOT), **(env or {})})
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


@pytest.fixture
def workdir(tmp_path):
    (tmp_path / "stories").mkdir()
    shutil.copy(SHIPPED_STORY, tmp_path / "stories" / "fight-for-me.txt")
    return tmp_path


def test_import_then_stories_json(workdir):
    imported = run(workdir, "import")
    assert imported.returncode == 0, imported.stderr
    assert "imported   fight-for-me" in imported.stdout
    listed = run(workdir, "stories", "--json")
    assert listed.returncode == 0, listed.stderr
    [story] = json.loads(listed.stdout)
    assert story["slug"] == "fight-for-me"
    assert story["title"] == "Fight For Me"
    assert story["author"] == "Singing Violin"
    assert story["fandom"] == "Buffy: The Vampire Slayer"
    assert (story["rating"], story["rating_raw"]) == ("G", "K")
    assert story["summary"] == "One last reunion. A request, denied. Another granted. Love. Peace."
    assert story["words"] == 1243
    assert story["chapters"] == 1 and story["servable"] is True and story["warnings"] == []
    assert (workdir / "data" / "storyteller.db").is_file()
    again = run(workdir, "import")
    assert "unchanged  fight-for-me" in again.stdout


def test_preview_json_holds_every_word_in_order(workdir):
    run(workdir, "import")
    result = run(workdir, "preview", "fight-for-me", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    messages = [m for i in data["installments"] for m in i["messages"]]
    assert messages and all(len(m) <= 2000 for m in messages)
    assert {"number", "chapter", "messages"} <= set(data["installments"][0])
    body = SHIPPED_STORY.read_text(encoding="utf-8").split("\n\n", 1)[1]
    assert [w for m in messages for w in plain_words(m)] == plain_words(body)
    shorter = json.loads(run(workdir, "preview", "fight-for-me", "--minutes", "1", "--json").stdout)
    assert len(shorter["installments"]) == 5


def test_preview_of_a_missing_story_suggests(workdir):
    run(workdir, "import")
    result = run(workdir, "preview", "fight-for-mee")
    assert result.returncode == 1
    assert "Did you mean `fight-for-me`" in result.stderr


def test_mixed_folder_exit_code_and_untouched_database(workdir):
    stories = workdir / "stories"
    run(workdir, "import")
    shutil.copy(FIXTURES / "fanficfare" / "long-way-home.txt", stories / "long-way-home.txt")
    (stories / "binary.txt").write_bytes(bytes(range(256)) * 4)
    (stories / "empty.txt").write_bytes(b"")
    (stories / "truncated.epub").write_bytes((FIXTURES / "fanficfare" / "long-way-home.epub").read_bytes()[:2000])
    (stories / "bad.md").write_text("---\ntitle: [x\n---\n\nText\n")
    # The shipped story breaks after a good import: its good version must survive.
    (stories / "fight-for-me.txt").write_bytes(b"Title: Fight For Me\n")
    result = run(workdir, "import")
    assert result.returncode == 1
    for name in ("binary.txt", "empty.txt", "truncated.epub", "bad.md", "fight-for-me.txt"):
        assert f"failed     {name}:" in result.stdout
    assert "imported   the-long-way-home" in result.stdout
    stories_json = {s["slug"]: s for s in json.loads(run(workdir, "stories", "--json").stdout)}
    assert set(stories_json) == {"fight-for-me", "the-long-way-home"}
    assert stories_json["fight-for-me"]["words"] == 1243


def test_bad_setting_is_named(workdir):
    result = run(workdir, "stories", env={"WORDS_PER_MINUTE": "fast"})
    assert result.returncode == 2
    assert "WORDS_PER_MINUTE must be a number" in result.stderr


def test_feedback_export_command(workdir):
    run(workdir, "import")
    md = run(workdir, "feedback", "fight-for-me")
    assert md.returncode == 0, md.stderr
    assert md.stdout.startswith("# Reader feedback: Fight For Me")
    assert "## Installment 1: Fight For Me" in md.stdout and "Reactions: none" in md.stdout
    data = json.loads(run(workdir, "feedback", "fight-for-me", "--format", "json").stdout)
    assert [i["number"] for i in data["installments"]] == [1] and data["general_feedback"] == []


def test_stories_piped_into_head_ends_quietly(workdir):
    """`python -m bot stories | head -1`: the first line, and no BrokenPipeError traceback."""
    run(workdir, "import")
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_")}
    environment["PYTHONPATH"] = str(ROOT)
    for command in ("stories", "stories --json"):
        result = subprocess.run(
            ["bash", "-c", f"{sys.executable} -m bot {command} | head -1; echo status=${{PIPESTATUS[0]}}"],
            cwd=workdir,
            env=environment,
            capture_output=True,
            text=True,
            timeout=60,
        )
        first, status = result.stdout.splitlines()
        assert first.startswith(("SLUG", "["))
        assert status in ("status=0", "status=141")  # 141 when the pipe broke before it finished writing
        assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr, result.stderr


def test_every_exit_code_is_in_the_readme_table():
    from bot.cli_output import ExitCode

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Exit codes and error lines", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ") and line[2].isdigit()]
    documented = {int(row.split("|")[1]) for row in rows}
    assert documented == {int(code) for code in ExitCode}


def test_stats_reports_the_request_counts_the_bot_saved(tmp_path):
    import asyncio

    from bot.reading.stats import STATS_KEY, RequestStats
    from bot.services import Services
    from bot.settings import Settings
    from bot.store.database import Database

    async def save() -> None:
        db = await Database.open(tmp_path / "data" / "storyteller.db", create_folder=True)
        stats = RequestStats()
        await Services(Settings(database_path=db.path), db).bot_state.set(STATS_KEY, stats.to_json())
        await db.close()

    empty = run(tmp_path, "stats")
    assert empty.returncode == 0 and "No request counts yet" in empty.stdout
    asyncio.run(save())
    saved = run(tmp_path, "stats", "--json")
    assert saved.returncode == 0 and saved.stdout.strip().startswith("{")


needs_fanficfare = pytest.mark.skipif(
    importlib.util.find_spec("fanficfare") is None,
    reason="FanFicFare is not installed: pip install -e '.[test,fetch]' to test importing links",
)
OFFLINE = {name: "http://127.0.0.1:9" for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY")}


@needs_fanficfare
def test_import_takes_links_into_the_shared_library_and_update_fetches_them_again(workdir):
    """FanFicFare's offline test site (http://test1.com?sid=N); a request beyond it would hit a closed port."""
    imported = run(workdir, "import", "http://test1.com?sid=2", "http://test1.com?sid=666", env=OFFLINE)
    assert imported.returncode == 1  # one link failed
    lines = imported.stdout.splitlines()
    assert "imported   test-story-title-2  (http://test1.com?sid=2) 9 chapters" in lines
    assert any(line.startswith("failed     http://test1.com?sid=666: There is no story") for line in lines)
    assert "Traceback" not in imported.stderr
    listed = json.loads(run(workdir, "stories", "--json").stdout)
    assert [(s["slug"], s["author"], s["chapters"]) for s in listed] == [("test-story-title-2", "Test Author aa", 9)]

    updated = run(workdir, "update", env=OFFLINE)
    assert updated.returncode == 0, updated.stderr
    assert updated.stdout.splitlines()[-1].startswith("1 linked story: ")
    assert "test-story-title-2 (shared)" in updated.stdout
    again = json.loads(run(workdir, "stories", "--json").stdout)
    assert [s["slug"] for s in again] == ["test-story-title-2"]  # in place: no second story


def test_update_without_linked_stories_says_so(workdir):
    result = run(workdir, "update")
    assert result.returncode == 0 and "No stories came from a link" in result.stdout


def test_the_story_table_names_each_shelf_and_keeps_long_bylines_short():
    from bot.cli_output import AUTHOR_WIDTH, library_table

    story = {"slug": "s", "rating": "T", "servable": True, "words": 1200, "chapters": 1, "title": "S"}
    table = library_table(
        [{**story, "author": "A", "shelf": "shared"}, {**story, "author": "Co-author, " * 40, "shelf": "4242"}]
    ).splitlines()
    assert table[0].split() == ["SLUG", "SHELF", "RATING", "WORDS", "CH", "TITLE", "AUTHOR"]
    assert table[1].split()[:2] == ["s", "shared"] and table[2].split()[:2] == ["s", "4242"]
    assert table[2].endswith("…") and len(table[2]) < len(table[0]) + AUTHOR_WIDTH

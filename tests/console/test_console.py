"""The offline console: same commands, same services, numbered choices for buttons."""

from __future__ import annotations

import io
import shutil
import subprocess
import sys

import pytest

from bot.console.app import Console, parse
from bot.core.text import plain_words
from bot.services import Services
from bot.settings import Settings
from bot.store.database import Database
from tests.conftest import ROOT, SHIPPED_STORY
from tests.test_cli import run

BODY_WORDS = plain_words(SHIPPED_STORY.read_text(encoding="utf-8").split("\n\n", 1)[1])


@pytest.fixture
async def console(tmp_path):
    shutil.copy(SHIPPED_STORY, tmp_path / "fight-for-me.txt")
    (tmp_path / "grey.txt").write_text("Title: Grey Areas\nRating: M\nSummary: Mature summary.\n\nText here.\n")
    db = await Database.open(tmp_path / "c.db")
    services = Services(Settings(database_path=tmp_path / "c.db", stories_dir=tmp_path), db)
    await services.importer.import_paths()
    out = io.StringIO()
    yield Console(services, out=out, speed=10_000), out
    await db.close()


def test_piped_story_prints_card_and_whole_story_and_exits_0(tmp_path):
    (tmp_path / "stories").mkdir()
    shutil.copy(SHIPPED_STORY, tmp_path / "stories" / "fight-for-me.txt")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--speed", "1000"],
        input="/story fight-for-me\n",
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("══ Fight For Me ══")
    assert "Rating: G" in out and "by Singing Violin" in out
    body = out.split("[5] Slower", 1)[1].split("— *The end", 1)[0]
    assert plain_words(body) == BODY_WORDS


def test_no_token_and_no_terminal_exits_2_with_how_to_connect(tmp_path):
    result = run(tmp_path)
    assert result.returncode == 2
    assert "DISCORD_TOKEN" in result.stderr and ".env" in result.stderr


async def test_buttons_are_numbered_choices(console):
    app, out = console
    await app.handle("/story fight-for-me")
    await app.handle("3")  # Stop
    await app.live.wait_all()
    assert "⏹️ Reading stopped." in out.getvalue()
    assert "The end of" not in out.getvalue()


async def test_private_reading_pages_forward_and_back(console):
    app, out = console
    await app.handle("/story fight-for-me private:true")
    assert "— page 1 of" in out.getvalue()
    await app.handle("1")  # Next (no Previous on the first page)
    assert "— page 2 of" in out.getvalue()
    await app.handle("1")  # Previous
    assert out.getvalue().count("— page 1 of") == 2


async def test_ratings_apply_in_the_console(console):
    app, out = console
    await app.handle("/story grey-areas")
    assert "✖ This story is rated M" in out.getvalue()
    await app.handle("/summary grey-areas")
    assert "Mature summary" not in out.getvalue() and "Summary hidden" in out.getvalue()
    await app.handle("/rating grey-areas")
    assert "Where it may be read: Only in age-restricted channels." in out.getvalue()


async def test_library_settings_and_errors(console):
    app, out = console
    await app.handle("/library rating:G")
    assert "fight-for-me" in out.getvalue() and "grey-areas" not in out.getvalue()
    await app.handle("/settings timezone:Mars/Olympus")
    assert "`Mars/Olympus` is not a time zone name" in out.getvalue()
    await app.handle("/settings max_rating:T timezone:Europe/Paris")
    assert "Highest rating allowed: T · time zone: Europe/Paris" in out.getvalue()
    await app.handle("/nope")
    assert "Unknown command" in out.getvalue()
    await app.handle("/reading status")
    assert "Nothing is being read" in out.getvalue()


def test_parse_options_and_words():
    assert parse("/story fight for me private:true") == ("story", "fight for me", {"private": "true"})
    assert parse("/library search:night rating:T") == ("library", "", {"search": "night", "rating": "T"})
    with pytest.raises(ValueError, match="start with /"):
        parse("story x")


async def test_schedule_in_the_console_releases_every_installment_on_compressed_time(tmp_path):
    shutil.copy(SHIPPED_STORY, tmp_path / "fight-for-me.txt")
    db = await Database.open(tmp_path / "s.db")
    services = Services(Settings(database_path=tmp_path / "s.db", stories_dir=tmp_path), db)
    await services.importer.import_paths()
    out = io.StringIO()
    console = Console(services, out=out, speed=2_000_000)  # a day in about 40 ms
    lines = io.StringIO(
        "/schedule create fight-for-me every:daily at:20:00 timezone:Europe/Paris minutes:1\n/schedule list\n"
    )
    assert await console.run(lines, interactive=False) == 0
    await db.close()
    text = out.getvalue()
    assert "Schedule #1: Fight For Me, daily at 20:00 (Europe/Paris), 5 installments" in text
    assert [line.split("installment ")[1] for line in text.splitlines() if line.startswith("📖")] == [
        f"{n} of 5" for n in range(1, 6)
    ]
    body = "\n".join(line for line in text.splitlines() if not line.startswith(("📖", "Schedule", "#")))
    assert plain_words(body) == BODY_WORDS

"""Fetching stories from links with FanFicFare, on its offline test site only.

FanFicFare's ``adapters/adapter_test1.py`` makes stories up without the network:
``http://test1.com?sid=N`` is a nine-chapter story by "Test Author aa", rated "Tweenie" with the
warnings Swearing and Violence; odd sids are In-Progress and even ones Completed; sids 20-29
have a language; 673 has twenty co-authors; 666 does not exist; 670 sleeps a second for its
metadata; 91 and 92 point at a cover and at images. A sid of 1000 or more is made from
``[teststory:N]`` sections of the config, which lets a test give the same story more chapters
later; ``slow_down_sleep_time`` in a ``[test1.com]`` section makes every chapter take seconds.

Every test runs with the proxy variables pointing at a local tripwire that records any request,
and with the temporary directory redirected to check that nothing is left behind.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import socketserver
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.core.errors import FetchFailed, FetchUnavailable
from bot.library import fetch
from bot.library.fetch import FetchedStory, fetch_story
from bot.library.loader import StoryFile, parse_story_file

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("fanficfare") is None,
    reason="FanFicFare is not installed: pip install -e '.[test,fetch]' to test fetching from links",
)

TIME_LIMIT = 30.0
MAX_BYTES = 10 * 1024 * 1024


class _Tripwire(socketserver.ThreadingTCPServer):
    """A "proxy" on loopback that records the first line of every request and answers nothing."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Record)
        self.requests: list[str] = []


class _Record(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        line = self.request.recv(512).split(b"\r\n", 1)[0]
        self.server.requests.append(line.decode("latin-1"))  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def tripwire() -> Iterator[_Tripwire]:
    server = _Tripwire()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(autouse=True)
def sandbox(tripwire: _Tripwire, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No request may leave (all go to the tripwire); no temporary directory may be left over."""
    proxy = f"http://127.0.0.1:{tripwire.server_address[1]}"
    for name in ("http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(name, proxy)
        monkeypatch.setenv(name.upper(), proxy)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    tripwire.requests.clear()
    yield temp
    assert tripwire.requests == [], "FanFicFare tried to reach the network"
    assert list(temp.iterdir()) == [], "a fetch left files behind"


def parsed(story: FetchedStory):
    return parse_story_file(StoryFile(Path(story.filename), story.data, None, None)).story


def processes_running(text: str) -> list[int]:
    """Live processes whose command line contains ``text`` (Linux ``/proc``)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if text.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def zombie_children() -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if fields[0] == "Z" and int(fields[1]) == os.getpid():
                found.append(int(entry.name))
    return found


needs_proc = pytest.mark.skipif(not Path("/proc/self/cmdline").exists(), reason="needs Linux /proc")


async def test_a_story_is_fetched_with_its_metadata_and_chapters():
    fetched = await fetch_story("http://test1.com?sid=20", timeout=TIME_LIMIT, max_bytes=MAX_BYTES)
    assert fetched.url == "http://test1.com?sid=20"
    assert fetched.filename == "story.html"
    story = parsed(fetched)
    meta = story.meta
    assert meta.title == "Test Story Title 20"
    assert meta.author == "Test Author aa"
    assert meta.rating_raw == "Tweenie"
    assert meta.warnings == ("Swearing", "Violence")
    assert "Harry Potter" in meta.fandom and "Once Upon a Time (TV)" in meta.fandom
    assert meta.summary.startswith("Description tests:")
    assert meta.language == "English"
    assert (meta.status, meta.in_progress) == ("Completed", False)
    assert meta.source_url == "http://test1.com?sid=20"
    assert len(story.chapters) == 9
    assert story.chapters[1].title == "Chapter 1, Xenos on Cinnabar"
    assert story.chapters[8].title == "Chapter 8"
    assert all(chapter.words > 100 for chapter in story.chapters)
    # GPL: FanFicFare ran in its own process and was never imported here.
    assert not [name for name in sys.modules if name.split(".")[0] == "fanficfare"]


async def test_an_in_progress_story_and_the_url_as_fanficfare_normalises_it():
    fetched = await fetch_story("  http://www.test1.com/?sid=21 ", timeout=TIME_LIMIT, max_bytes=MAX_BYTES)
    assert fetched.url == "http://test1.com?sid=21"
    meta = parsed(fetched).meta
    assert (meta.status, meta.in_progress) == ("In-Progress", True)
    assert meta.source_url == "http://test1.com?sid=21"
    assert meta.language == "Russian"


async def test_every_co_author_is_kept():
    meta = parsed(await fetch_story("http://test1.com?sid=673", timeout=TIME_LIMIT, max_bytes=MAX_BYTES)).meta
    assert meta.author.split(", ") == ["Test Author aa"] + [f"Author From List {c}" for c in "1234567890qwertyuio"]
    assert "Power Rangers" in meta.fandom and "SG-1" in meta.fandom
    assert meta.in_progress


async def test_the_same_story_can_gain_a_chapter(monkeypatch):
    section = "[teststory:1001]\ntitle:A Growing Story\nstatus:In-Progress\nchaptertitles:{}\n"
    monkeypatch.setattr(fetch, "_TEST_SITE_INI", section.format("Prologue,Chapter 1"))
    first = await fetch_story("http://test1.com?sid=1001", timeout=TIME_LIMIT, max_bytes=MAX_BYTES)
    monkeypatch.setattr(fetch, "_TEST_SITE_INI", section.format("Prologue,Chapter 1,Chapter 2"))
    later = await fetch_story("http://test1.com?sid=1001", timeout=TIME_LIMIT, max_bytes=MAX_BYTES)
    assert first.url == later.url == "http://test1.com?sid=1001"
    assert [c.title for c in parsed(first).chapters] == ["Prologue", "Chapter 1"]
    assert [c.title for c in parsed(later).chapters] == ["Prologue", "Chapter 1", "Chapter 2"]
    assert parsed(later).meta.title == "A Growing Story"


async def test_personal_fanficfare_config_is_not_read(tmp_path, monkeypatch):
    ini = "[teststory:1002]\ntitle:Read From Someone's Config\n"
    home = tmp_path / "home"
    for folder in (home / ".fanficfare", home / ".config" / "fanficfare", tmp_path / "cwd"):
        folder.mkdir(parents=True)
        (folder / "personal.ini").write_text(ini)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.chdir(tmp_path / "cwd")
    meta = parsed(await fetch_story("http://test1.com?sid=1002", timeout=TIME_LIMIT, max_bytes=MAX_BYTES)).meta
    assert meta.title == "Test Story Title 1002"


async def test_no_cover_or_image_is_requested(tripwire):
    for sid in (91, 92):  # a cover image URL, and <img> tags in the chapters
        await fetch_story(f"http://test1.com?sid={sid}", timeout=TIME_LIMIT, max_bytes=MAX_BYTES)
    assert tripwire.requests == []


def assert_one_clear_line(error: pytest.ExceptionInfo[FetchFailed], *fragments: str) -> None:
    message = str(error.value)
    assert "\n" not in message and "Traceback" not in message and len(message) <= 200, message
    for fragment in fragments:
        assert fragment in message, message


async def test_a_story_that_does_not_exist():
    with pytest.raises(FetchFailed) as error:
        await fetch_story("http://test1.com?sid=666", timeout=TIME_LIMIT, max_bytes=MAX_BYTES)
    assert_one_clear_line(error, "no story at", "`http://test1.com?sid=666`")


async def test_a_site_fanficfare_does_not_know():
    with pytest.raises(FetchFailed) as error:
        await fetch_story("https://example.com/stories/1", timeout=TIME_LIMIT, max_bytes=MAX_BYTES)
    assert_one_clear_line(error, "cannot fetch stories from example.com")


async def test_a_link_on_a_known_site_that_is_not_a_story():
    with pytest.raises(FetchFailed) as error:
        await fetch_story("http://test1.com?author=5", timeout=TIME_LIMIT, max_bytes=MAX_BYTES)
    assert_one_clear_line(error, "not a story link", "test1.com?sid=1234")


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("", "empty"),
        ("ftp://test1.com/story", "Only http:// and https://"),
        ("javascript:alert(1)", "Only http:// and https://"),
        ("test1.com?sid=1", "Only http:// and https://"),
        ("http://reader:secret@test1.com?sid=1", "user name or password"),
        ("http://test1.com?sid=1 and more", "spaces or control characters"),
        ("http://test1.com?sid=1\x00", "spaces or control characters"),
        ("http://", "names no site"),
        ("http://[::1/story", "not a valid link"),
        ("http://test1.com:port?sid=1", "not a valid link"),
        ("http://test1.com?sid=1[1-3]", "Chapter ranges"),
        ("http://test1.com?sid=1&x=" + "y" * 2000, "longer than 2,000 characters"),
    ],
)
async def test_links_that_are_refused_before_fanficfare_runs(url, fragment, monkeypatch):
    async def must_not_run(*args, **kwargs):
        raise AssertionError("FanFicFare was started for a refused link")

    monkeypatch.setattr(fetch, "_run_fanficfare", must_not_run)
    with pytest.raises(FetchFailed) as error:
        await fetch_story(url, timeout=TIME_LIMIT, max_bytes=MAX_BYTES)
    assert_one_clear_line(error, fragment)


SLOW = "[test1.com]\nslow_down_sleep_time:5\n"  # 2.5 to 7.5 seconds per chapter, nine chapters


@needs_proc
async def test_the_time_limit_kills_fanficfare_and_cleans_up(sandbox, monkeypatch):
    monkeypatch.setattr(fetch, "_TEST_SITE_INI", SLOW)
    url = "http://test1.com?sid=670"
    started = time.monotonic()
    with pytest.raises(FetchFailed) as error:
        await fetch_story(url, timeout=1.0, max_bytes=MAX_BYTES)
    assert time.monotonic() - started < 4
    assert_one_clear_line(error, "took longer than 1 second,")
    assert processes_running("sid=670") == []
    assert zombie_children() == []
    assert list(sandbox.iterdir()) == []


@needs_proc
async def test_a_cancelled_fetch_kills_fanficfare_and_cleans_up(sandbox, monkeypatch):
    monkeypatch.setattr(fetch, "_TEST_SITE_INI", SLOW)
    task = asyncio.create_task(fetch_story("http://test1.com?sid=670", timeout=TIME_LIMIT, max_bytes=MAX_BYTES))
    for _ in range(100):
        await asyncio.sleep(0.05)
        if processes_running("sid=670"):
            break
    assert processes_running("sid=670"), "FanFicFare did not start"
    await asyncio.sleep(0.5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert processes_running("sid=670") == []
    assert zombie_children() == []
    assert list(sandbox.iterdir()) == []


async def test_a_story_over_the_size_limit():
    with pytest.raises(FetchFailed) as error:
        await fetch_story("http://test1.com?sid=20", timeout=TIME_LIMIT, max_bytes=5000)
    assert_one_clear_line(error, "larger than the 4.88 KB limit")


async def test_the_file_size_limit_stops_fanficfare_writing(monkeypatch):
    """With no room for logs, the child's RLIMIT_FSIZE cuts the story at max_bytes + 100 bytes."""
    monkeypatch.setattr(fetch, "_LOG_ROOM", 100)
    seen = []
    collect = fetch._collect

    def spy(workdir, url, run, max_bytes):
        seen.append((run.returncode, (workdir / "story.html").stat().st_size))
        return collect(workdir, url, run, max_bytes)

    monkeypatch.setattr(fetch, "_collect", spy)
    with pytest.raises(FetchFailed) as error:
        await fetch_story("http://test1.com?sid=20", timeout=TIME_LIMIT, max_bytes=1000)
    assert_one_clear_line(error, "larger than the 1000 bytes limit")
    [(returncode, size)] = seen
    assert returncode != 0 and size == 1100


async def test_without_fanficfare_links_are_unavailable(monkeypatch):
    assert fetch.fetch_available()
    monkeypatch.setattr(fetch, "fetch_available", lambda: False)
    monkeypatch.setattr(fetch, "_sites", None)
    with pytest.raises(FetchUnavailable, match=r"pip install '\.\[fetch\]'"):
        await fetch_story("http://test1.com?sid=20", timeout=TIME_LIMIT, max_bytes=MAX_BYTES)
    with pytest.raises(FetchUnavailable):
        await fetch.site_supported("http://test1.com?sid=20")


async def test_which_sites_fanficfare_supports(monkeypatch):
    monkeypatch.setattr(fetch, "_sites", None)
    assert await fetch.site_supported("http://test1.com?sid=20")
    assert await fetch.site_supported("https://archiveofourown.org/works/123456")
    assert await fetch.site_supported("https://m.fanfiction.net/s/1234/1/")  # listed as www.fanfiction.net
    assert not await fetch.site_supported("https://example.com/stories/1")
    assert not await fetch.site_supported("ftp://archiveofourown.org/works/1")
    assert "archiveofourown.org" in await fetch.supported_sites()


def traceback(last_line: str) -> str:
    return (
        f'FFF: WARNING: noise\nTraceback (most recent call last):\n  File "cli.py", line 1, in <module>\n{last_line}\n'
    )


@pytest.mark.parametrize(
    ("returncode", "stdout", "stderr", "expected"),
    [
        (1, "", traceback("fanficfare.exceptions.HTTPErrorFFF: HTTP Error in FFF 'Not Found'(404)"), "HTTP error 404"),
        (1, "", traceback("requests.exceptions.ConnectionError: HTTPSConnectionPool(...)"), "Could not reach site.org"),
        (1, "", traceback("OSError: [Errno 27] File too large"), "larger than the 1000 bytes limit"),
        (1, "", traceback("fanficfare.exceptions.AccessDenied: Not yours"), "site.org refused access"),
        (1, "", traceback("MemoryError"), "ran out of memory"),
        (
            1,
            "",
            traceback("cloudscraper.exceptions.CloudflareChallengeError: " + "x" * 500),
            "(CloudflareChallengeError)",
        ),
        (1, "", traceback("weird." + "LongName" * 40 + ": boom"), "FanFicFare failed on this story (LongName"),
        (-9, "", "", "stopped unexpectedly (SIGKILL)"),
        (0, "Login Failed on non-interactive process.", "", "asks for a login"),
        (0, "No valid story URLs found", "", "made no story from `https://site.org/s/1` (exit code 0)"),
    ],
)
def test_how_fanficfare_failures_are_reported(returncode, stdout, stderr, expected, tmp_path):
    run = fetch._Run(returncode, stdout, stderr)
    with pytest.raises(FetchFailed) as error:
        fetch._collect(tmp_path, "https://site.org/s/1", run, 1000)
    assert_one_clear_line(error, expected)
    assert "x" * 100 not in str(error.value)

"""Stories fetched from a link by FanFicFare, run as a separate program.

FanFicFare is GPL-licensed and an optional extra (``pip install '.[fetch]'``), so Storyteller
never imports it: it runs FanFicFare's own command line (``python -m fanficfare.cli``) in a child
process and reads back the one file it writes. The child runs in a fresh temporary directory
that is its home, working directory and config directory, so it cannot read anybody's
``personal.ini`` nor leave caches behind; every option it needs is in an ini file written there.
Limits: a wall-clock time limit (the whole process group is killed), a file-size and a memory
limit set in the child before FanFicFare starts, and a size check before the story is read.

Why a launcher and not ``preexec_fn``: ``preexec_fn`` is not safe when the parent has threads,
and the bot always has some (aiosqlite, the import workers). The launcher is a few lines of
Python that set the limits and then ``exec`` FanFicFare in the same process.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import json
import logging
import os
import re
import shutil
import signal
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from bot.core.errors import FetchFailed, FetchUnavailable, echo

log = logging.getLogger(__name__)

MAX_URL_LENGTH = 2000
MAX_MESSAGE = 200  # characters in a FetchFailed message
MEMORY_LIMIT = 2 * 1024**3  # address space for FanFicFare: generous for a long story, fatal for a runaway
_LOG_ROOM = 64 * 1024  # file-size limit above max_bytes, so FanFicFare's logs and metadata fit
_TAIL = 16 * 1024  # bytes of FanFicFare's output kept to explain a failure
_FORMAT = "html"
_STORY_FILE = "story.html"
_META_FILE = _STORY_FILE + ".json"
_INI_FILE = "storyteller.ini"

# The HTML output: FanFicFare HTML is one uncompressed file, so ``max_bytes`` bounds exactly what
# the parser reads; its reader keeps every co-author of the byline, and with ``storyUrl`` on the
# title page it keeps the source URL too (docs/story-formats.md, "Links (FanFicFare)").
_OPTIONS: dict[str, str] = {
    "output_filename": "story${formatext}",
    "zip_output": "false",
    "make_directories": "false",
    "add_to_titlepage_entries": ",storyUrl",
    "include_titlepage": "true",
    "include_logpage": "false",
    "mark_new_chapters": "false",
    "continue_on_chapter_error": "false",  # a story with a missing chapter is an error, not a story
    # No images, no covers: nothing but the story pages is requested.
    "include_images": "false",
    "keep_img_tags": "false",
    "never_make_cover": "true",
    "make_firstimage_cover": "false",
    "default_cover_image": "",
    "force_cover_image": "",
    "additional_images": "",
    # Nothing read from or run on this machine besides FanFicFare itself.
    "use_browser_cache": "false",
    "use_flaresolverr_proxy": "false",
    "open_pages_in_browser": "false",
    "pre_process_cmd": "",
    "post_process_cmd": "",
    # Adult stories are fetched like any other; Storyteller's rating rules decide where they may be read.
    "is_adult": "true",
}

# Extra ini text appended to the generated file. Only the tests set it: FanFicFare's offline test
# site reads ``[teststory:N]`` sections (N >= 1000) from the config to make up a story.
_TEST_SITE_INI = ""

# Sets the limits, asks to die with Storyteller (Linux), then becomes FanFicFare. Imports nothing of it.
_LAUNCHER = """\
import os, resource, sys
parent, fsize, memory = (int(a) for a in sys.argv[1:4])
for which, value in ((resource.RLIMIT_FSIZE, fsize), (resource.RLIMIT_AS, memory), (resource.RLIMIT_CORE, 0)):
    hard = resource.getrlimit(which)[1]
    value = value if hard == resource.RLIM_INFINITY else min(value, hard)
    try:
        resource.setrlimit(which, (value, value))
    except (ValueError, OSError):
        if which == resource.RLIMIT_FSIZE:  # the others are best effort (macOS refuses RLIMIT_AS)
            raise
try:
    import ctypes
    ctypes.CDLL(None).prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
except Exception:
    pass
if os.getppid() != parent:
    sys.exit(70)
os.execv(sys.executable, [sys.executable, "-m", "fanficfare.cli", *sys.argv[4:]])
"""

# The environment FanFicFare gets: no bot token, no user config; proxies and CA bundles pass through.
_PASSED_ENV = (
    "PATH",
    "LANG",
    "LC_ALL",
    "LC_CTYPE",
    "TZ",
    "SYSTEMROOT",
    "PYTHONPATH",
    "REQUESTS_CA_BUNDLE",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "CURL_CA_BUNDLE",
    *(f"{name}_{case}" for name in ("http", "https", "all", "no") for case in ("proxy", "PROXY")),
)


@dataclass(frozen=True, slots=True)
class FetchedStory:
    """A story file as FanFicFare wrote it, ready for ``parse_story_file``."""

    url: str  # the story's URL as FanFicFare normalises it: its identity for later updates
    filename: str  # "story.html": the suffix tells the loader the format
    data: bytes


@dataclass(frozen=True, slots=True)
class _Run:
    returncode: int | None  # None: stopped at the time limit
    stdout: str  # the end of what it printed, decoded
    stderr: str


def fetch_available() -> bool:
    """Whether FanFicFare is installed where this Python finds it (found, not imported)."""
    return importlib.util.find_spec("fanficfare") is not None


# The time limit is the child's, enforced by killing it (not a cancellation), hence the parameter.
async def fetch_story(url: str, *, timeout: float, max_bytes: int) -> FetchedStory:  # noqa: ASYNC109
    """Fetch the story at ``url`` with FanFicFare, in a child process stopped after ``timeout`` seconds.

    Raises :class:`FetchUnavailable` without FanFicFare, :class:`FetchFailed` (one line, naming
    the problem) for a bad link, a site FanFicFare does not know, a missing story, a story over
    ``max_bytes``, the time limit, or FanFicFare failing.
    """
    if timeout <= 0 or max_bytes <= 0:
        raise ValueError("timeout and max_bytes must be positive")
    if not fetch_available():
        raise FetchUnavailable()
    url = checked_url(url)
    workdir = _make_workdir()
    try:
        args = ["--non-interactive", "--no-meta-chapters", "--json-meta-file", "-c", str(workdir / _INI_FILE)]
        run = await _run_fanficfare([*args, "-f", _FORMAT, "--", url], workdir, timeout, max_bytes + _LOG_ROOM)
        if run.returncode is None:
            seconds = "1 second" if timeout == 1 else f"{timeout:g} seconds"
            raise FetchFailed(f"Fetching the story took longer than {seconds}, so it was stopped.")
        return await asyncio.to_thread(_collect, workdir, url, run, max_bytes)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


_sites: frozenset[str] | None = None


async def supported_sites(*, time_limit: float = 30.0) -> frozenset[str]:
    """The sites FanFicFare lists (``--sites-list``), e.g. ``archiveofourown.org``; asked once per process."""
    global _sites
    if _sites is None:
        if not fetch_available():
            raise FetchUnavailable()
        workdir = _make_workdir()
        try:
            run = await _run_fanficfare(["--sites-list"], workdir, time_limit, 1024 * 1024, keep=1024 * 1024)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        found = re.findall(r"(?m)^#### (\S+)", run.stdout)
        if run.returncode != 0 or not found:
            raise FetchFailed("FanFicFare did not list the sites it supports.")
        _sites = frozenset(site.split("/")[0].lower() for site in found)
    return _sites


async def site_supported(url: str, *, time_limit: float = 30.0) -> bool:
    """A quick hint whether ``url`` is on a site FanFicFare lists; :func:`fetch_story` has the last word.

    Some sites answer on more names than the one listed, so ``False`` means "probably not".
    """
    try:
        host = _host(checked_url(url))
    except FetchFailed:
        return False
    sites = await supported_sites(time_limit=time_limit)
    host = host.removeprefix("www.")
    return any(host == site or host.endswith("." + site) for site in (s.removeprefix("www.") for s in sites))


def checked_url(url: str) -> str:
    """``url`` stripped, if it is a link FanFicFare may be given; :class:`FetchFailed` names what is wrong."""
    url = str(url).strip()
    if not url:
        raise FetchFailed("The link is empty.")
    if len(url) > MAX_URL_LENGTH:
        raise FetchFailed(f"The link is longer than {MAX_URL_LENGTH:,} characters.")
    if any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in url):
        raise FetchFailed(f"`{echo(url)}` has spaces or control characters in it; paste the link alone.")
    try:
        parts = urlsplit(url)
        _ = parts.port  # a port that is not a number raises here
    except ValueError:
        raise FetchFailed(f"`{echo(url)}` is not a valid link.") from None
    if parts.scheme.lower() not in {"http", "https"}:
        raise FetchFailed(f"Only http:// and https:// links can be imported, not `{echo(url)}`.")
    if parts.username is not None or parts.password is not None:
        raise FetchFailed("Links with a user name or password in them are not accepted.")
    if not parts.hostname:
        raise FetchFailed(f"`{echo(url)}` names no site.")
    if re.search(r"\[[\d,\s-]*\]$", url):  # FanFicFare would read it as a chapter range
        raise FetchFailed("Chapter ranges such as `[1-3]` are not supported: link the whole story.")
    return url


def _make_workdir() -> Path:
    workdir = Path(tempfile.mkdtemp(prefix="storyteller-fetch-"))
    try:
        ini = "[overrides]\n" + "".join(f"{key}: {value}\n" for key, value in _OPTIONS.items())
        (workdir / _INI_FILE).write_text(ini + "\n" + _TEST_SITE_INI, encoding="utf-8")
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    return workdir


def _child_env(workdir: Path) -> dict[str, str]:
    env = {name: value for name in _PASSED_ENV if (value := os.environ.get(name)) is not None}
    env.update(
        HOME=str(workdir),
        XDG_CONFIG_HOME=str(workdir / "config"),
        XDG_CACHE_HOME=str(workdir / "cache"),
        XDG_DATA_HOME=str(workdir / "data"),
        TMPDIR=str(workdir),
        PYTHONNOUSERSITE="1",
        PYTHONDONTWRITEBYTECODE="1",
        PYTHONSAFEPATH="1",
        PYTHONUTF8="1",
        PYTHONIOENCODING="utf-8",
    )
    return env


def _open_logs(workdir: Path) -> tuple[int, int]:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    return os.open(workdir / "stdout.log", flags, 0o600), os.open(workdir / "stderr.log", flags, 0o600)


async def _run_fanficfare(
    args: list[str], workdir: Path, time_limit: float, file_limit: int, *, keep: int = _TAIL
) -> _Run:
    """Run FanFicFare with ``args`` in ``workdir``; after ``time_limit`` seconds kill its whole process group.

    The result keeps the last ``keep`` bytes of what it printed.
    """
    stdout, stderr = _open_logs(workdir)
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            _LAUNCHER,
            str(os.getpid()),
            str(file_limit),
            str(MEMORY_LIMIT),
            *args,
            cwd=workdir,
            env=_child_env(workdir),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,  # its own process group, killed as one
        )
    except OSError as exc:
        raise FetchFailed(f"FanFicFare could not be started: {exc.strerror or exc}.") from None
    finally:
        os.close(stdout)
        os.close(stderr)
    timed_out = False
    try:
        await asyncio.wait_for(process.wait(), time_limit)
    except TimeoutError:
        timed_out = True
    finally:
        if process.returncode is None:  # timed out or cancelled: the group still exists, kill it
            _kill_group(process.pid)
            await process.wait()
    return _Run(
        None if timed_out else process.returncode,
        _tail(workdir / "stdout.log", keep),
        _tail(workdir / "stderr.log", keep),
    )


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


def _tail(path: Path, keep: int) -> str:
    try:
        with path.open("rb") as file:
            file.seek(max(0, file.seek(0, os.SEEK_END) - keep))
            return file.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _collect(workdir: Path, url: str, run: _Run, max_bytes: int) -> FetchedStory:
    story = workdir / _STORY_FILE
    # Checked first: a story cut short by the file-size limit is there, larger than max_bytes.
    if story.is_file() and story.stat().st_size > max_bytes:
        raise FetchFailed(f"The story is larger than the {_size(max_bytes)} limit for imports.")
    if run.returncode != 0 or not story.is_file():
        reason = _reason(url, run, max_bytes)
        raise FetchFailed(reason if len(reason) <= MAX_MESSAGE else reason[: MAX_MESSAGE - 1] + "…")
    data = story.read_bytes()
    return FetchedStory(url=_story_url(workdir / _META_FILE, url), filename=_STORY_FILE, data=data)


def _story_url(meta: Path, url: str) -> str:
    """FanFicFare's own form of the story's URL, from the metadata it wrote beside the story."""
    try:
        found = json.loads(meta.read_text(encoding="utf-8")).get("storyUrl")
    except (OSError, ValueError, AttributeError):
        found = None
    if isinstance(found, str) and len(found) <= MAX_URL_LENGTH and urlsplit(found).scheme in {"http", "https"}:
        return found
    log.warning("FanFicFare wrote no story URL for %s; keeping the link as given", url)
    return url


# What FanFicFare's CLI prints (stdout) for the problems it reports itself, and exits 0.
_PRINTED = (
    ("Story does not exist", "StoryDoesNotExist"),
    ("Bad Story URL", "InvalidStoryURL"),
    ("Unknown Site", "UnknownSite"),
    ("Adult check required", "AdultCheckRequired"),
    ("Login Failed", "FailedToLogin"),
    ("password required", "FailedToLogin"),
)
_NETWORK = {
    "ConnectionError",
    "ConnectTimeout",
    "ReadTimeout",
    "Timeout",
    "SSLError",
    "ProxyError",
    "MaxRetryError",
    "NameResolutionError",
    "NewConnectionError",
}


_EXPLAINED = frozenset({"StoryDoesNotExist", "UnknownSite", "InvalidStoryURL", "AdultCheckRequired", "FailedToLogin"})


def _reason(url: str, run: _Run, max_bytes: int) -> str:
    """The one-line reason a run made no story, from FanFicFare's exit and output."""
    host = echo(_host(url), 60)
    name, message = _exception(run.stderr)
    if name is None:
        name = next((kind for text, kind in _PRINTED if text in run.stdout), None)
    # A problem FanFicFare names (no such story, a site it does not know) is the reader's to fix and
    # is told to them; only an unexplained failure is the operator's, with the output that explains it.
    level, tail = (logging.INFO, 300) if name in _EXPLAINED else (logging.WARNING, 2000)
    log.log(
        level,
        "FanFicFare made no story from %s (exit %s, %s); stdout: %s; stderr: %s",
        url,
        run.returncode,
        name,
        run.stdout[-tail:],
        run.stderr[-tail:],
    )
    if (name == "OSError" and "Errno 27" in message) or "File too large" in run.stderr:
        return f"The story is larger than the {_size(max_bytes)} limit for imports."
    if name == "UnknownSite":
        return f"FanFicFare cannot fetch stories from {host}."
    if name == "InvalidStoryURL":
        example = re.search(r"Example: \((\S+?)[\s)]", run.stdout + run.stderr)
        hint = f"; its story links look like {echo(example.group(1), 60)}" if example else ""
        return f"That is not a story link FanFicFare knows for {host}{hint}."
    if name == "StoryDoesNotExist":
        return f"There is no story at `{echo(url)}`: the site says it does not exist."
    if name in {"FailedToLogin", "NeedTimedOneTimePassword"}:
        return f"{host} asks for a login to show this story; only stories anyone can read can be imported."
    if name == "AdultCheckRequired":
        return f"{host} wants an adult-content confirmation before it shows this story."
    if name == "AccessDenied":
        return f"{host} refused access to this story."
    if name == "FailedToDownload":
        return f"FanFicFare could not download this story from {host}; the site may be down or changed."
    if name == "HTTPErrorFFF":
        code = re.search(r"\((\d{3})\)", message)
        return f"{host} answered with HTTP error {code.group(1) if code else '(unknown)'} for this story."
    if name in _NETWORK:
        return f"Could not reach {host}: the site did not answer."
    if name == "MemoryError":
        return f"FanFicFare ran out of memory fetching this story (limit {_size(MEMORY_LIMIT)})."
    if run.returncode is not None and run.returncode < 0:
        try:
            stopped = signal.Signals(-run.returncode).name
        except ValueError:
            stopped = f"signal {-run.returncode}"
        return f"FanFicFare stopped unexpectedly ({stopped})."
    if name is not None:
        return f"FanFicFare failed on this story ({name})."
    return f"FanFicFare made no story from `{echo(url)}` (exit code {run.returncode})."


def _exception(stderr: str) -> tuple[str | None, str]:
    """The class name (last part) and message of the exception a traceback ends with."""
    start = stderr.rfind("Traceback (most recent call last):")
    if start < 0:
        return None, ""
    # The frames are indented; the first line that is not is "module.Class: message".
    for line in stderr[start:].splitlines()[1:]:
        if line.strip() and not line.startswith((" ", "\t")):
            found = re.match(r"([A-Za-z_][\w.]*)(?::\s?(.*))?$", line)
            return (found.group(1).rsplit(".", 1)[-1], found.group(2) or "") if found else (None, line)
    return None, ""


def _host(url: str) -> str:
    return urlsplit(url).hostname or url


def _size(count: int) -> str:
    for unit, scale in (("MB", 1024**2), ("KB", 1024)):
        if count >= scale:
            return f"{count / scale:.3g} {unit}"
    return f"{count} bytes"

"""Starting with a broken database or an unreachable Discord: one line, an exit code, never a hang.

Each case runs the real process (``python -m bot`` and ``python -m bot stories``) with a
timeout and checks its exit status, the one ``storyteller:`` line it prints, and that no
traceback reaches the operator. The codes are the README's "Exit codes and error lines".
"""

from __future__ import annotations

import asyncio
import ctypes
import io
import logging
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from aiohttp import web

from bot.cli_output import ExitCode
from bot.store.database import Database, DatabaseUnusable
from bot.store.sqlite import _unusable
from tests.conftest import ROOT, SHIPPED_STORY
from tests.fakediscord.http import error
from tests.fakediscord.server import FakeDiscord

TOKEN = "MTAw.fake-token-for-startup-tests.AbCdEf"
WITHIN = 15.0  # seconds: every broken start must be over by then


def closed_port() -> int:
    """A loopback port nothing listens on: bound, then closed."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_"))}
    env.update(PYTHONPATH=str(ROOT), **extra)
    return env


def discord_at(port: int) -> dict[str, str]:
    """A token and endpoints on loopback ``port``: the bot never reaches the real Discord."""
    return {
        "DISCORD_TOKEN": TOKEN,
        "DISCORD_API_BASE_URL": f"http://127.0.0.1:{port}/api/v10",
        "DISCORD_GATEWAY_URL": f"ws://127.0.0.1:{port}/gateway",
    }


class Finished:
    def __init__(self, result: subprocess.CompletedProcess[str], seconds: float) -> None:
        self.returncode = result.returncode
        self.stdout = result.stdout
        self.stderr = result.stderr
        self.output = result.stdout + result.stderr
        self.seconds = seconds

    @property
    def error_lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.startswith("storyteller:")]

    def one_line(self) -> str:
        """The single ``storyteller:`` line, after checking there is exactly one and no traceback."""
        assert "Traceback" not in self.output, self.output
        assert len(self.error_lines) == 1, self.output
        assert TOKEN not in self.output
        return self.error_lines[0]


def run(
    cwd: Path, *args: str, env: dict[str, str], preexec_fn: Callable[[], None] | None = None, timeout: float = WITHIN
) -> Finished:
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,  # a hang fails the test with TimeoutExpired
        stdin=subprocess.DEVNULL,
        preexec_fn=preexec_fn,
    )
    return Finished(result, time.monotonic() - started)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "stories").mkdir()
    shutil.copy(SHIPPED_STORY, tmp_path / "stories" / "fight-for-me.txt")
    return tmp_path


@pytest.fixture
def good_db(workdir: Path) -> Path:
    """A real, migrated library database with the shipped story in it, in ``db/``."""
    path = workdir / "db" / "storyteller.db"
    path.parent.mkdir()
    imported = run(workdir, "import", env=environment(DATABASE_PATH=str(path)))
    assert imported.returncode == 0, imported.output
    assert path.stat().st_size > 16 * 4096
    return path


# Both ways a broken database meets the operator: the bot itself, and a command that prints.
# `python -m bot` gets a token for a closed port, so only the database can stop it at once.
COMMANDS = [pytest.param((), id="bot"), pytest.param(("stories",), id="stories")]


def run_both(workdir: Path, database: Path, **kwargs) -> list[Finished]:  # type: ignore[no-untyped-def]
    env = environment(DATABASE_PATH=str(database), **discord_at(closed_port()))
    with ThreadPoolExecutor(2) as pool:  # the two processes side by side: each may wait out a busy timeout
        runs = [pool.submit(run, workdir, *args, env=env, **kwargs) for args in ((), ("stories",))]
        return [r.result() for r in runs]


def assert_refused(finished: Finished, database: Path, code: int, *words: str) -> str:
    line = finished.one_line()
    assert finished.returncode == code, finished.output
    assert finished.seconds < WITHIN
    assert f"database {database}" in line
    for word in words:
        assert word in line, line
    return line


# The database ---------------------------------------------------------------------------------


def test_a_corrupt_file_is_refused_with_one_line(workdir):
    corrupt = workdir / "corrupt.db"
    corrupt.write_bytes(os.urandom(5000))
    for finished in run_both(workdir, corrupt):
        assert_refused(finished, corrupt, ExitCode.DATABASE_UNUSABLE, "not a usable SQLite database", "backup")
    assert corrupt.stat().st_size == 5000  # nothing was written into it


def test_a_truncated_database_is_refused(workdir, good_db):
    data = good_db.read_bytes()
    for name, length in (("header", 60), ("page", 10 * 4096), ("mid-page", len(data) // 2 + 100)):
        truncated = workdir / f"truncated-{name}.db"
        truncated.write_bytes(data[:length])
        for finished in run_both(workdir, truncated):
            assert_refused(finished, truncated, ExitCode.DATABASE_UNUSABLE, "malformed")


def test_damaged_pages_fail_the_quick_check(workdir, good_db):
    data = bytearray(good_db.read_bytes())
    data[5 * 4096 : 8 * 4096] = bytes(range(256)) * (3 * 4096 // 256)
    garbled = workdir / "garbled.db"
    garbled.write_bytes(bytes(data))
    for finished in run_both(workdir, garbled):
        assert_refused(finished, garbled, ExitCode.DATABASE_UNUSABLE, "restore it from a backup")


def test_a_database_locked_by_another_process_is_busy(workdir, good_db):
    holder = sqlite3.connect(good_db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # the write lock, held past the 5 s busy timeout
    try:
        results = run_both(workdir, good_db)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    for finished in results:
        line = assert_refused(finished, good_db, ExitCode.DATABASE_BUSY, "busy: another process holds it", "try again")
        assert finished.seconds >= 5  # it did wait the busy timeout first
    listed = run(workdir, "stories", env=environment(DATABASE_PATH=str(good_db)))
    assert listed.returncode == 0 and "fight-for-me" in listed.stdout, line  # and works once let go


def test_a_missing_folder_is_named_not_created(workdir):
    database = workdir / "no" / "such" / "folder" / "storyteller.db"
    for finished in run_both(workdir, database):
        assert_refused(finished, database, ExitCode.DATABASE_UNUSABLE, "does not exist")
    assert not (workdir / "no").exists()


def test_a_folder_where_the_file_should_be_is_refused(workdir):
    folder = workdir / "a-folder.db"
    folder.mkdir()
    for finished in run_both(workdir, folder):
        assert_refused(finished, folder, ExitCode.DATABASE_UNUSABLE, "cannot be opened")


def test_only_the_default_data_folder_is_created(workdir):
    listed = run(workdir, "stories", env=environment())
    assert listed.returncode == 0, listed.output
    assert (workdir / "data" / "storyteller.db").is_file()


CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, PR_CAPBSET_DROP = 1, 2, 24


def _without_root_override() -> None:
    """In the child, before exec: drop the capabilities that let root write through chmod."""
    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP) refused")


@pytest.fixture
def read_only_child(tmp_path) -> Callable[[], None] | None:
    """How to start a child for which a 0o555 folder really is read-only; skips where none can be had.

    CI runs as root, for whom chmod stops nothing; there the child gives up CAP_DAC_OVERRIDE
    (as ``setpriv --bounding-set -dac_override`` does) and meets the permissions like anyone.
    """
    preexec = _without_root_override if os.geteuid() == 0 else None
    probe = tmp_path / "probe"
    probe.mkdir()
    probe.chmod(0o555)
    try:
        attempt = subprocess.run(
            [sys.executable, "-c", f"open({str(probe / 'x')!r}, 'w')"],
            capture_output=True,
            preexec_fn=preexec,
            timeout=WITHIN,
        )
    except subprocess.SubprocessError as exc:
        pytest.skip(f"running as root and cannot drop CAP_DAC_OVERRIDE ({exc}): chmod does not stop root's writes")
    finally:
        probe.chmod(0o755)
    if attempt.returncode == 0:
        pytest.skip("a chmod 0o555 folder is writable here (root with CAP_DAC_OVERRIDE): no read-only folder to test")
    return preexec


def test_an_existing_database_in_a_read_only_folder_is_refused(workdir, good_db, read_only_child):
    good_db.parent.chmod(0o555)
    try:
        results = run_both(workdir, good_db, preexec_fn=read_only_child)
    finally:
        good_db.parent.chmod(0o755)
    for finished in results:
        assert_refused(finished, good_db, ExitCode.DATABASE_UNUSABLE, "read-only", "writable")


def test_a_read_only_database_file_is_refused(workdir, good_db, read_only_child):
    good_db.chmod(0o444)
    try:
        results = run_both(workdir, good_db, preexec_fn=read_only_child)
    finally:
        good_db.chmod(0o644)
    for finished in results:
        assert_refused(finished, good_db, ExitCode.DATABASE_UNUSABLE, "read-only")


@pytest.mark.parametrize(
    ("code", "message", "words", "exit_code"),
    [
        (8, "attempt to write a readonly database", ("read-only", "writable"), ExitCode.DATABASE_UNUSABLE),
        (8 | (1 << 8), "attempt to write a readonly database", ("read-only",), ExitCode.DATABASE_UNUSABLE),
        (14, "unable to open database file", ("cannot be opened",), ExitCode.DATABASE_UNUSABLE),
        (26, "file is not a database", ("not a usable SQLite database",), ExitCode.DATABASE_UNUSABLE),
        (11, "database disk image is malformed", ("backup",), ExitCode.DATABASE_UNUSABLE),
        (5, "database is locked", ("busy: another process holds it", "try again"), ExitCode.DATABASE_BUSY),
        (10, "disk I/O error", ("cannot be read or written",), ExitCode.DATABASE_UNUSABLE),
    ],
)
def test_each_unusable_sqlite_error_becomes_one_line(code, message, words, exit_code):
    """What a read-only folder does as root-less users see it, also where the process test must skip."""
    exc = sqlite3.OperationalError(message)
    exc.sqlite_errorcode = code  # type: ignore[attr-defined]
    problem = _unusable(Path("lib/s.db"), exc, 5.0)
    assert isinstance(problem, DatabaseUnusable)
    text = str(problem)
    assert text.startswith("database lib/s.db: ") and "\n" not in text
    assert all(word in text for word in words), text
    assert problem.exit_code == exit_code


def test_a_plain_sql_error_is_not_taken_for_a_broken_file():
    exc = sqlite3.OperationalError("no such table: missing")
    exc.sqlite_errorcode = 1  # type: ignore[attr-defined]
    assert _unusable(Path("s.db"), exc, 5.0) is None


async def test_a_read_only_connection_fails_the_write_check(tmp_path, monkeypatch):
    """In process, as any user: the write check is what refuses a file SQLite can only read."""
    path = tmp_path / "s.db"
    await (await Database.open(path)).close()
    real_connect = sqlite3.connect

    def read_only(database, *args, **kwargs):  # type: ignore[no-untyped-def]
        return real_connect(f"file:{database}?mode=ro", *args, **{**kwargs, "uri": True})

    monkeypatch.setattr(sqlite3, "connect", read_only)
    with pytest.raises(DatabaseUnusable, match="read-only") as caught:
        await Database.open(path)
    assert caught.value.exit_code == ExitCode.DATABASE_UNUSABLE


# Output cut short ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args", [("stories",), ("stories", "--json"), ("preview", "fight-for-me"), ("import",), ("--help",)]
)
def test_a_reader_that_stops_early_gets_no_traceback(workdir, args):
    env = environment()
    assert run(workdir, "import", env=env).returncode == 0
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", *args],
        cwd=workdir,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    process.stdout.close()  # type: ignore[union-attr]  # as `| head -0` would, before anything is written
    _, err = process.communicate(timeout=WITHIN)
    assert b"Traceback" not in err and b"BrokenPipe" not in err, err.decode()
    # argparse's help swallows the broken pipe itself and exits 0
    assert process.returncode == (0 if args == ("--help",) else ExitCode.BROKEN_PIPE)


def test_head_dash_one_through_a_shell(workdir):
    env = environment()
    assert run(workdir, "import", env=env).returncode == 0
    command = f"{sys.executable} -m bot preview fight-for-me | head -1; echo status=${{PIPESTATUS[0]}}"
    result = subprocess.run(
        ["bash", "-c", command], cwd=workdir, env=env, capture_output=True, text=True, timeout=WITHIN
    )
    assert result.stdout.startswith("Fight For Me: ")
    assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr, result.stderr
    assert result.stdout.strip().endswith(("status=141", "status=0"))  # 0 if it finished writing first


# Discord --------------------------------------------------------------------------------------


class RefusingDiscord(FakeDiscord):
    """The loopback server, answering ``status`` to the login request (GET /users/@me)."""

    def __init__(self, status: int) -> None:
        super().__init__()
        self.status = status

    async def me(self, request: web.Request) -> web.Response:
        self.tokens_seen.append(request.headers.get("Authorization", ""))
        if self.status == 401:
            return error(401, 0, "401: Unauthorized")
        return web.Response(status=self.status, text="upstream connect error", headers={"Via": "1.1 google"})


@pytest.mark.parametrize("args", [(), ("sync",)], ids=["bot", "sync"])
def test_a_closed_port_gives_one_line(workdir, args):
    port = closed_port()
    finished = run(workdir, *args, env=environment(DATABASE_PATH="lib.db", **discord_at(port)))
    line = finished.one_line()
    assert finished.returncode == ExitCode.DISCORD_UNREACHABLE, finished.output
    assert f"cannot connect to 127.0.0.1:{port} (Connection refused)" in line
    assert "check the network" in line


def test_an_unknown_host_gives_one_line(workdir):
    env = environment(DISCORD_TOKEN=TOKEN, DISCORD_API_BASE_URL="http://storyteller-test.invalid/api/v10")
    finished = run(workdir, "sync", env=env)
    line = finished.one_line()
    assert finished.returncode == ExitCode.DISCORD_UNREACHABLE, finished.output
    assert "storyteller-test.invalid" in line


@pytest.mark.parametrize("args", [(), ("sync",)], ids=["bot", "sync"])
async def test_a_refused_token_still_exits_with_its_message(workdir, args):
    server = RefusingDiscord(401)
    await server.start()
    try:
        finished = await asyncio.to_thread(run, workdir, *args, env=environment(**discord_at(server.port)))
    finally:
        await server.stop()
    line = finished.one_line()
    assert finished.returncode == ExitCode.FAILED
    assert "Discord refused the token" in line and "DISCORD_TOKEN" in line
    assert f"Bot {TOKEN}" in server.tokens_seen


async def test_discord_answering_503_at_login_gives_one_line(workdir):
    server = RefusingDiscord(503)
    await server.start()
    try:
        finished = await asyncio.to_thread(run, workdir, env=environment(**discord_at(server.port)))
    finally:
        await server.stop()
    line = finished.one_line()
    assert finished.returncode == ExitCode.DISCORD_UNREACHABLE, finished.output
    assert "Discord answered 503 Service Unavailable" in line and "try again" in line


class PortDiscord(FakeDiscord):
    """The loopback server on a port of the test's choosing, so it can come back where it was."""

    async def start(self, port: int = 0) -> None:
        self.runner = web.AppRunner(self.app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", port, reuse_address=True)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]


async def test_a_gateway_drop_is_one_line_per_reconnect_and_the_bot_comes_back(workdir):
    server = PortDiscord()
    await server.start()
    port = server.port
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=workdir,
        env=environment(**discord_at(port)),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    lines: list[str] = []

    async def read() -> None:
        assert process.stdout is not None
        async for raw in process.stdout:
            lines.append(raw.decode(errors="replace").rstrip("\n"))

    reader = asyncio.create_task(read())
    try:
        await asyncio.wait_for(server.identified.wait(), 30)
        await server.stop()  # Discord goes away: the gateway drops and reconnects are refused
        async with asyncio.timeout(30):
            while sum("Attempting a reconnect" in line for line in lines) < 2:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
        server = PortDiscord()
        await server.start(port)  # and comes back
        await asyncio.wait_for(server.identified.wait(), 60)
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 20)
        await asyncio.wait_for(reader, 5)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        reader.cancel()
        await server.stop()
    log = "\n".join(lines)
    assert process.returncode == 0, log
    assert "Traceback" not in log, log
    reconnects = [line for line in lines if "Attempting a reconnect" in line]
    assert all(f"cannot connect to 127.0.0.1:{port} (Connection refused)" in line for line in reconnects), log
    assert TOKEN not in log


def _record(name: str, exc: BaseException) -> logging.LogRecord:
    try:
        raise exc
    except BaseException:
        return logging.getLogger(name).makeRecord(
            name, logging.ERROR, __file__, 1, "Attempting a reconnect in %.2fs", (1.5,), sys.exc_info()
        )


def test_the_log_filter_makes_network_errors_one_line_and_leaves_bugs_alone():
    from bot.discord_adapter.runner import OneLineNetworkErrors, RedactToken

    one_line, redact = OneLineNetworkErrors(), RedactToken(TOKEN)
    handler = logging.StreamHandler(io.StringIO())
    handler.addFilter(one_line)
    handler.addFilter(redact)
    handler.handle(_record("discord.client", ConnectionResetError(104, f"reset while sending {TOKEN}")))
    network = handler.stream.getvalue()
    assert network.count("\n") == 1 and "Traceback" not in network
    assert "Attempting a reconnect in 1.50s (ConnectionResetError: [Errno 104] reset while sending" in network
    assert TOKEN not in network and "[token hidden]" in network
    bug = _record("discord.client", ValueError("a bug"))
    assert one_line.filter(bug) and bug.exc_info is not None and bug.levelno == logging.ERROR  # keeps its traceback
    elsewhere = _record("bot.reading.engine", ConnectionResetError(104, "reset"))
    assert one_line.filter(elsewhere) and elsewhere.exc_info is not None  # only discord's and aiohttp's logs

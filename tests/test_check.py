"""``python -m bot --version``, ``python -m bot check`` and the heartbeat behind ``check --health``.

Each case runs the real process, as an operator or a container health check would, and checks
its exit status and its lines: one per check, never a traceback, never the token. Discord is a
server on 127.0.0.1 or a closed loopback port; nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import tomllib
from asyncio.subprocess import DEVNULL
from importlib import metadata
from pathlib import Path

import pytest

import bot
from bot.__main__ import package_version
from bot.cli_output import ExitCode
from bot.discord_adapter.heartbeat import STALE_AFTER, Heartbeat, heartbeat_path
from bot.settings import Settings
from tests import test_startup
from tests.conftest import ROOT
from tests.fakediscord.server import FakeDiscord
from tests.test_startup import TOKEN, RefusingDiscord, closed_port, discord_at, environment

BOT = (sys.executable, "-m", "bot")
workdir = test_startup.workdir  # a folder with stories/ and the shipped story in it
PYPROJECT_VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]


class Checked:
    """A finished ``python -m bot check``: its code and its check lines, once no traceback or token leaked."""

    def __init__(self, result: subprocess.CompletedProcess[str]) -> None:
        self.code = result.returncode
        self.output = result.stdout + result.stderr
        assert "Traceback" not in self.output, self.output
        assert TOKEN not in self.output, self.output
        self.lines = result.stdout.splitlines()

    def line(self, start: str) -> str:
        """The one line that starts with ``start`` (a mark and the check's name)."""
        [line] = [line for line in self.lines if line.startswith(start)]
        return line


def run(cwd: Path, *args: str, env: dict[str, str] | None = None) -> Checked:
    result = subprocess.run(
        [*BOT, *args],
        cwd=cwd,
        env=env or environment(),
        capture_output=True,
        text=True,
        timeout=60,  # a hang fails the test
        stdin=subprocess.DEVNULL,
    )
    return Checked(result)


# --version ------------------------------------------------------------------------------------


def test_version_prints_the_package_version(workdir):
    version = run(workdir, "--version")
    assert version.code == 0, version.output
    assert version.lines == [f"storyteller {metadata.version('storyteller-bot')}"]
    assert metadata.version("storyteller-bot") == PYPROJECT_VERSION  # installed from this checkout


def test_version_falls_back_to_pyproject_when_not_installed(monkeypatch):
    def not_installed(name: str) -> str:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(metadata, "version", not_installed)
    monkeypatch.setattr(bot, "__version__", "not-from-pyproject")
    assert package_version() == PYPROJECT_VERSION


# check ----------------------------------------------------------------------------------------


def test_check_passes_offline_without_a_token(workdir):
    checked = run(workdir, "check")
    assert checked.code == ExitCode.OK, checked.output
    assert len(checked.lines) == 4 and all(line.startswith("✓ ") for line in checked.lines), checked.output
    assert checked.line("✓ configuration")
    assert "created: a new, empty library" in checked.line("✓ database data/storyteller.db")
    assert checked.line("✓ stories folder stories") == "✓ stories folder stories: 1 story file"
    assert "offline console" in checked.line("✓ Discord: no DISCORD_TOKEN set")
    assert (workdir / "data" / "storyteller.db").is_file()


def test_check_fails_on_a_corrupt_database_and_still_checks_the_rest(workdir):
    (workdir / "data").mkdir()
    (workdir / "data" / "storyteller.db").write_bytes(b"this is not an SQLite database\n" * 200)
    checked = run(workdir, "check")
    assert checked.code == ExitCode.DATABASE_UNUSABLE, checked.output
    line = checked.line("✗ database data/storyteller.db")
    assert "not a usable SQLite database" in line and "backup" in line
    assert checked.line("✓ stories folder")
    assert checked.line("✓ Discord")


def test_check_names_a_missing_stories_folder(tmp_path):
    checked = run(tmp_path, "check", env=environment(STORIES_DIR="library"))
    assert checked.code == ExitCode.FAILED, checked.output
    assert checked.line("✗ stories folder library") == (
        "✗ stories folder library: does not exist; create it, or set STORIES_DIR"
    )


def test_check_reports_a_bad_setting_alone(workdir):
    checked = run(workdir, "check", env=environment(WORDS_PER_MINUTE="fast"))
    assert checked.code == ExitCode.USAGE, checked.output
    assert checked.lines == ["✗ configuration: WORDS_PER_MINUTE must be a number, not 'fast'"]
    assert not (workdir / "data").exists()  # nothing else was tried


@pytest.mark.parametrize(
    ("server", "code", "expected"),
    [
        (FakeDiscord, ExitCode.OK, "✓ Discord: token accepted as Storyteller (id "),
        (lambda: RefusingDiscord(401), ExitCode.FAILED, "✗ Discord: token refused; check DISCORD_TOKEN in .env"),
    ],
    ids=["accepted", "refused"],
)
async def test_check_logs_in_once_and_says_what_discord_answered(workdir, server, code, expected):
    server = server()
    await server.start()
    try:
        checked = await asyncio.to_thread(run, workdir, "check", env=environment(**discord_at(server.port)))
    finally:
        await server.stop()
    assert checked.code == code, checked.output
    assert checked.line("✓ database") and checked.line("✓ stories folder")
    assert checked.line(expected.split(":")[0]).startswith(expected)
    assert server.tokens_seen == [f"Bot {TOKEN}"]  # one authenticated request, with the token
    assert not server.identified.is_set() and not server.commands  # no gateway, no command sync


def test_check_reports_an_unreachable_discord(workdir):
    port = closed_port()
    checked = run(workdir, "check", env=environment(**discord_at(port)))
    assert checked.code == ExitCode.DISCORD_UNREACHABLE, checked.output
    line = checked.line("✗ Discord unreachable: ")
    assert f"cannot connect to 127.0.0.1:{port} (Connection refused)" in line


# check --health and the heartbeat -------------------------------------------------------------


def test_health_follows_the_heartbeats_age(workdir):
    beat = heartbeat_path(Settings(database_path=workdir / "data" / "storyteller.db"))
    missing = run(workdir, "check", "--health")
    assert missing.code == 1, missing.output
    assert missing.lines == [
        f"✗ bot: no heartbeat at {beat.relative_to(workdir)}: not running on Discord, or not connected yet "
        "(the console writes none)"
    ]
    assert not (workdir / "data").exists()  # the health check opens no database

    beat.parent.mkdir()
    beat.touch()
    fresh = run(workdir, "check", "--health")
    assert fresh.code == 0, fresh.output
    assert fresh.lines[0].startswith("✓ bot: connected to Discord (heartbeat ")

    stale = time.time() - STALE_AFTER - 5
    os.utime(beat, (stale, stale))
    old = run(workdir, "check", "--health")
    assert old.code == 1, old.output
    assert "not connected to Discord" in old.line("✗ bot: last heartbeat ")


def test_health_with_a_bad_setting_exits_1_not_2(workdir):
    checked = run(workdir, "check", "--health", env=environment(LOG_LEVEL="LOUD"))
    assert checked.code == 1, checked.output  # a container health check reserves 2
    assert checked.line("✗ configuration: LOG_LEVEL")


async def test_heartbeat_beats_only_while_connected_and_goes_with_the_bot(tmp_path):
    path = tmp_path / "storyteller.heartbeat"
    path.touch()
    old = time.time() - 3600
    os.utime(path, (old, old))  # left by an earlier run
    connected = False
    async with Heartbeat(path, lambda: connected, interval=0.05, poll=0.01):
        await asyncio.sleep(0.05)
        assert not path.exists()  # the earlier run's beat is gone, and nothing beats before a connection
        connected = True
        await asyncio.sleep(0.05)
        first = path.stat().st_mtime_ns
        await asyncio.sleep(0.15)
        assert path.stat().st_mtime_ns > first  # it keeps beating
        connected = False
        await asyncio.sleep(0.1)
        last = path.stat().st_mtime_ns
        await asyncio.sleep(0.15)
        assert path.stat().st_mtime_ns == last  # disconnected: the beat ages
    assert not path.exists()


async def test_the_running_bot_is_healthy_until_it_stops(workdir):
    server = FakeDiscord()
    await server.start()
    env = environment(**discord_at(server.port))
    beat = heartbeat_path(Settings(database_path=workdir / "data" / "storyteller.db"))
    bot_process = await asyncio.create_subprocess_exec(*BOT, cwd=workdir, env=env, stdin=DEVNULL, stdout=DEVNULL)
    try:
        await asyncio.wait_for(server.identified.wait(), 30)
        for _ in range(100):  # the first beat follows READY within a second
            if beat.exists():
                break
            await asyncio.sleep(0.05)
        healthy = await asyncio.to_thread(run, workdir, "check", "--health", env=env)
        bot_process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(bot_process.wait(), 20)
    finally:
        if bot_process.returncode is None:
            bot_process.kill()
        await bot_process.wait()
        await server.stop()
    assert healthy.code == 0, healthy.output
    assert bot_process.returncode == 0
    assert not beat.exists()  # a stopped bot is unhealthy at once, not two minutes later
    stopped = await asyncio.to_thread(run, workdir, "check", "--health", env=env)
    assert stopped.code == 1, stopped.output

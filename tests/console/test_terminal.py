"""The console at a real (pseudo-)terminal: line editing, history, and a prompt kept intact."""

from __future__ import annotations

import os
import select
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, SHIPPED_STORY

pty = pytest.importorskip("pty")


class Terminal:
    """A process on a pseudo-terminal, and everything it has printed so far."""

    def __init__(self, command: list[str], cwd: Path) -> None:
        self.master, slave = pty.openpty()
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "LOG_LEVEL": "WARNING", "TERM": "xterm"}
        self.process = subprocess.Popen(
            command, cwd=cwd, env=env, stdin=slave, stdout=slave, stderr=subprocess.DEVNULL, start_new_session=True
        )
        os.close(slave)
        self.seen = ""

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def wait_for(self, condition, timeout: float = 20.0) -> str:
        deadline = time.monotonic() + timeout
        while not condition(self.seen):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out; the terminal shows:\n{self.seen[-2000:]}")
            ready, _, _ = select.select([self.master], [], [], 0.05)
            if ready:
                try:
                    self.seen += os.read(self.master, 65536).decode(errors="replace")
                except OSError:  # the process ended and closed the terminal
                    break
        return self.seen

    def close(self) -> int:
        code = self.process.wait(timeout=20)
        os.close(self.master)
        return code


@pytest.mark.skipif(sys.platform == "win32", reason="a POSIX pseudo-terminal")
def test_a_terminal_session_edits_lines_keeps_history_and_the_prompt(tmp_path):
    (tmp_path / "stories").mkdir()
    shutil.copy(SHIPPED_STORY, tmp_path / "stories" / "fight-for-me.txt")
    term = Terminal([sys.executable, "-m", "bot", "console", "--speed", "40"], tmp_path)
    try:
        term.wait_for(lambda s: "Type /help" in s and s.rstrip().endswith(">"))
        term.type("/story fight-for-me\r")
        term.wait_for(lambda s: "[5] Slower" in s and "They gather outside her room" in s)
        mark = len(term.seen)
        term.type("/reading sta")  # half typed when the next message comes
        shown = term.wait_for(lambda s: "\x1b[K" in s[mark:] and s[mark:].rstrip().endswith("> /reading sta"))
        assert "\r\x1b[K" in shown[mark:]  # the prompt line was cleared, the message printed, the prompt redrawn
        term.type("tus\r")
        term.wait_for(lambda s: "Reading Fight For Me: message" in s[mark:] or "Nothing is being read" in s[mark:])
        mark = len(term.seen)
        term.type("\x1b[A\r")  # Up: the last line again, from the history
        term.wait_for(lambda s: "Reading Fight For Me: message" in s[mark:] or "Nothing is being read" in s[mark:])
        term.type("/quit\r")
        term.wait_for(lambda s: "Bye." in s)
    finally:
        code = term.close()
    assert code == 0
    history = (tmp_path / "data" / "console-history").read_text()
    assert "/story fight-for-me" in history and "/reading status" in history

"""Terminal output for the operator commands: reports, tables and a progress bar."""

from __future__ import annotations

import os
import shutil
import sys
from enum import IntEnum
from typing import Any, TextIO


class ExitCode(IntEnum):
    """What ``python -m bot`` exits with; the README's "Exit codes and error lines" table lists them."""

    OK = 0
    FAILED = 1  # a command failed and said why (no such story, a file failed to import, token refused)
    USAGE = 2  # a bad command line or setting, or no token where the console cannot run
    DATABASE_UNUSABLE = 3  # corrupt, truncated, read-only, folder missing: a person must act
    DATABASE_BUSY = 4  # another process held the database past the busy timeout: try again
    DISCORD_UNREACHABLE = 5  # network failure or Discord 5xx at login
    INTERRUPTED = 130  # Ctrl+C
    BROKEN_PIPE = 141  # whoever read the output stopped early (`| head`), as 128 + SIGPIPE


def quiet_broken_stdout() -> None:
    """After a broken pipe: point stdout at /dev/null so the exit flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real stdout (a test's StringIO): nothing to silence
        pass


class ProgressBar:
    """A one-line progress bar on a terminal; silent when output is piped."""

    def __init__(self, stream: TextIO = sys.stderr) -> None:
        self.stream = stream
        self.active = stream.isatty()

    def __call__(self, done: int, total: int, label: str) -> None:
        if not self.active or total == 0:
            return
        width = max(10, min(40, shutil.get_terminal_size().columns - 40))
        filled = round(width * done / total)
        line = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {label}"
        columns = shutil.get_terminal_size().columns
        self.stream.write("\r" + line[: columns - 1].ljust(columns - 1))
        self.stream.flush()

    def finish(self) -> None:
        if self.active:
            self.stream.write("\r" + " " * (shutil.get_terminal_size().columns - 1) + "\r")
            self.stream.flush()


AUTHOR_WIDTH = 60  # a work with twenty co-authors still fits a line


def library_table(stories: list[dict[str, Any]]) -> str:
    """The library as an aligned table, one story a line."""
    if not stories:
        return "The library is empty. Put story files in the stories folder and run `python -m bot import`."
    rows = [("SLUG", "SHELF", "RATING", "WORDS", "CH", "TITLE", "AUTHOR")]
    for s in stories:
        rating = s["rating"] + ("" if s["servable"] else " (never served)")
        author = s["author"] if len(s["author"]) <= AUTHOR_WIDTH else s["author"][: AUTHOR_WIDTH - 1] + "…"
        shelf = s.get("shelf", "shared")
        rows.append((s["slug"], shelf, rating, f"{s['words']:,}", str(s["chapters"]), s["title"], author))
    last = len(rows[0]) - 1
    widths = [max(len(r[i]) for r in rows) for i in range(last)]
    numeric = {3, 4}
    return "\n".join(
        "  ".join(
            [*(c.rjust(widths[i]) if i in numeric else c.ljust(widths[i]) for i, c in enumerate(r[:last])), r[last]]
        ).rstrip()
        for r in rows
    )

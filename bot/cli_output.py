"""Terminal output for the operator commands: reports, tables and a progress bar."""

from __future__ import annotations

import shutil
import sys
from typing import Any, TextIO


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


def library_table(stories: list[dict[str, Any]]) -> str:
    """The library as an aligned table, one story a line."""
    if not stories:
        return "The library is empty. Put story files in the stories folder and run `python -m bot import`."
    rows = [("SLUG", "RATING", "WORDS", "CH", "TITLE", "AUTHOR")]
    for s in stories:
        rating = s["rating"] + ("" if s["servable"] else " (never served)")
        rows.append((s["slug"], rating, f"{s['words']:,}", str(s["chapters"]), s["title"], s["author"]))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    numeric = {2, 3}
    return "\n".join(
        "  ".join(
            [*(c.rjust(widths[i]) if i in numeric else c.ljust(widths[i]) for i, c in enumerate(r[:5])), r[5]]
        ).rstrip()
        for r in rows
    )

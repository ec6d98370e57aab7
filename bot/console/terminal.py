"""The console as a terminal program: input that never blocks the event loop, and a prompt that
survives the story printing above it.

:class:`LineReader` reads lines in a daemon thread, one line each time the console asks, so the
event loop keeps posting readings while someone types or while piped input is held open. On a
terminal it reads with ``input()``, which brings the stdlib ``readline`` line editing, a history
kept in the data folder, and tab completion of commands and options. :class:`Screen` is the
console's output there: text printed while the prompt waits goes above the prompt, and the prompt
and what was typed so far are drawn again below it.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import queue
import sys
import threading
from pathlib import Path
from types import ModuleType
from typing import Any, TextIO

from bot.console.options import completions

PROMPT = "> "
HISTORY_LENGTH = 1000
CLEAR_LINE = "\r\x1b[K"


try:
    import termios
except ImportError:  # not a POSIX terminal: nothing to save and restore
    termios = None  # type: ignore[assignment]


def _terminal_state(stream: TextIO) -> list[Any] | None:
    """The terminal's settings, to put back however the console ends (a read may be under way)."""
    if termios is None:
        return None
    try:
        return termios.tcgetattr(stream.fileno()) if stream.isatty() else None
    except (termios.error, OSError, ValueError):
        return None


def _restore_terminal(stream: TextIO, state: list[Any] | None) -> None:
    if termios is None or state is None:
        return
    with contextlib.suppress(termios.error, OSError, ValueError):
        termios.tcsetattr(stream.fileno(), termios.TCSADRAIN, state)


def _readline() -> ModuleType | None:
    try:
        import readline
    except ImportError:  # Windows without pyreadline: input() still works, without editing
        return None
    return readline


class Screen(io.TextIOBase):
    """Output to a terminal that keeps the input prompt at the bottom, intact."""

    def __init__(self, stream: TextIO) -> None:
        super().__init__()
        self.stream = stream
        self.prompt: str | None = None  # set while the reader waits at the prompt
        self._lock = threading.Lock()
        self._cleared = False
        self._readline = _readline()

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self.stream.isatty()

    def write(self, text: str) -> int:
        with self._lock:
            if self.prompt is not None and not self._cleared:
                self.stream.write(CLEAR_LINE)  # the prompt line goes, the text takes its place
                self._cleared = True
            self.stream.write(text)
            if self._cleared and text.endswith("\n") and self.prompt is not None:
                typed = self._readline.get_line_buffer() if self._readline else ""
                self.stream.write(self.prompt + typed)
                self._cleared = False
            self.stream.flush()
        return len(text)

    def flush(self) -> None:
        self.stream.flush()

    def waiting(self, prompt: str | None) -> None:
        with self._lock:
            self.prompt = prompt
            self._cleared = False

    def end(self) -> None:
        """The session ends with the prompt still shown (Ctrl+C): take it away, and stop redrawing it."""
        with self._lock:
            if self.prompt is not None and not self._cleared:
                self.stream.write(CLEAR_LINE)
                self.stream.flush()
            self.prompt = None


class LineReader:
    """Lines from ``stream``, read in a daemon thread; ``None`` at the end of input.

    With ``prompt`` (a terminal), each line is read with ``input()``: readline editing, the
    history in ``history``, completion from the command specs. Without, ``stream.readline()``.
    """

    def __init__(
        self,
        stream: TextIO,
        *,
        prompt: str | None = None,
        screen: Screen | None = None,
        history: Path | None = None,
    ) -> None:
        self.stream = stream
        self.prompt = prompt
        self.screen = screen
        self.history = history
        self._requests: queue.SimpleQueue[tuple[asyncio.AbstractEventLoop, asyncio.Future[str | None]] | None] = (
            queue.SimpleQueue()
        )
        self._thread: threading.Thread | None = None
        self._ended = False
        self._terminal: list[Any] | None = None
        self._readline = _readline() if prompt is not None else None
        if prompt is not None:
            self._set_up_terminal()

    # The terminal --------------------------------------------------------------------

    def _set_up_terminal(self) -> None:
        self._terminal = _terminal_state(self.stream)
        rl = self._readline
        if rl is None or self.stream is not sys.stdin:
            return
        if self.history is not None:
            with contextlib.suppress(OSError):
                rl.read_history_file(self.history)
        rl.set_history_length(HISTORY_LENGTH)
        rl.set_completer_delims(" \t\n")
        rl.set_completer(self._complete)
        rl.parse_and_bind("bind ^I rl_complete" if "libedit" in (rl.__doc__ or "") else "tab: complete")

    def _complete(self, text: str, state: int) -> str | None:
        if self._readline is None:
            return None
        found = completions(self._readline.get_line_buffer()[: self._readline.get_endidx()])
        return found[state] if state < len(found) else None

    def close(self) -> None:
        """Save the history and give the terminal back as it was (even with a read under way)."""
        self._requests.put(None)
        if self.prompt is None:
            return
        if self._readline is not None and self.history is not None and self.stream is sys.stdin:
            with contextlib.suppress(OSError):
                self.history.parent.mkdir(parents=True, exist_ok=True)
                self._readline.write_history_file(self.history)
        _restore_terminal(self.stream, self._terminal)

    # Reading -------------------------------------------------------------------------

    async def readline(self) -> str | None:
        """The next line without its newline, or ``None`` once the input has ended."""
        if self._ended:
            return None
        loop = asyncio.get_running_loop()
        future: asyncio.Future[str | None] = loop.create_future()
        if self._thread is None:
            self._thread = threading.Thread(target=self._serve, name="console-input", daemon=True)
            self._thread.start()
        self._requests.put((loop, future))
        line = await future
        if line is None:
            self._ended = True
        return line

    def _serve(self) -> None:
        while True:
            request = self._requests.get()
            if request is None:
                return
            loop, future = request
            try:
                line = self._read_one()
            except EOFError:
                line = None
            except (OSError, ValueError, UnicodeDecodeError):
                line = None  # a closed or unreadable input ends the session like the end of input
            with contextlib.suppress(RuntimeError):  # the loop is gone: nobody waits any more
                loop.call_soon_threadsafe(_deliver, future, line)

    def _read_one(self) -> str | None:
        if self.prompt is None:
            text = self.stream.readline()
            return None if text == "" else text.rstrip("\r\n")
        if self.screen is not None:
            self.screen.waiting(self.prompt)
        try:
            if self.stream is sys.stdin:
                try:
                    return input(self.prompt)
                except EOFError:
                    sys.stdout.write("\n")  # Ctrl+D: what follows starts on a line of its own
                    raise
            if self.screen is not None:
                self.screen.stream.write(self.prompt)
                self.screen.stream.flush()
            text = self.stream.readline()
            return None if text == "" else text.rstrip("\r\n")
        finally:
            if self.screen is not None:
                self.screen.waiting(None)


def _deliver(future: asyncio.Future[str | None], line: str | None) -> None:
    if not future.done():
        future.set_result(line)

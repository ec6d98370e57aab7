"""Every error a person may see, in one place: each message is fit to show as it is.

Front ends catch :class:`StorytellerError` and show its text; anything else is a
bug, logged with a reference and never shown as a traceback.
"""

from __future__ import annotations


class StorytellerError(Exception):
    """Base for errors whose message is meant for people, not for a traceback."""


class StoryNotFound(StorytellerError):
    def __init__(self, query: str, suggestions: list[str] | None = None) -> None:
        self.query = query
        self.suggestions = suggestions or []
        hint = f" Did you mean {', '.join(f'`{s}`' for s in self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"No story matches `{echo(query)}`.{hint}")


class StoryFileError(StorytellerError):
    """A story file that cannot be read; the message names the problem."""


class RatingRefused(StorytellerError):
    """A story that may not be posted here; the message says why and what would allow it."""


class ScheduleError(StorytellerError):
    """A schedule that cannot be made as asked; the message says what would work."""


class UnknownTimeZone(StorytellerError):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"`{echo(name)}` is not a time zone name. Use an IANA name such as `Europe/Paris` or `America/New_York`."
        )


class NotAllowed(StorytellerError):
    """The member may not do this; the message names what would allow it."""


class ReadingAlreadyRunning(StorytellerError):
    def __init__(self, title: str) -> None:
        super().__init__(
            f"This channel is already reading **{title}**. Use `/reading stop` first, "
            "or read privately with `private: True`."
        )


class NoReading(StorytellerError):
    def __init__(self) -> None:
        super().__init__("Nothing is being read in this channel. Start with `/story`.")


class NoSuchSchedule(StorytellerError):
    def __init__(self, schedule_id: int) -> None:
        super().__init__(f"There is no schedule #{schedule_id} in this server. `/schedule list` shows them.")


class NothingToCatchUp(StorytellerError):
    def __init__(self) -> None:
        super().__init__("No serial has released anything in this channel yet.")


class DatabaseBusy(StorytellerError):
    """The database is held by another writer past the busy timeout: it passes by itself."""

    status = "the database is busy"  # what a reading's status says while it waits

    def __init__(self) -> None:
        super().__init__("Storyteller's database is busy right now. Try again in a few seconds.")


class DatabaseUnreachable(DatabaseBusy):
    """The database server did not answer (PostgreSQL restarting, the network): retried the same way."""

    status = "the database cannot be reached"

    def __init__(self) -> None:
        StorytellerError.__init__(self, "Storyteller cannot reach its database right now. Try again in a minute.")


class InvalidOption(StorytellerError):
    """A command option whose value is out of range or of the wrong kind."""


class NothingToRecap(StorytellerError):
    def __init__(self) -> None:
        super().__init__("Nothing has been read in this channel yet, so there is nothing to recap.")


class StoryRemoved(StorytellerError):
    def __init__(self) -> None:
        super().__init__("That story is no longer in the library.")


class MoreClosed(StorytellerError):
    def __init__(self) -> None:
        super().__init__("That serial no longer takes More! requests.")


class ImportRefused(StorytellerError):
    """A story that cannot be added from Discord or a link: too large, a shelf full, a bad link."""


class FetchUnavailable(StorytellerError):
    """Links need FanFicFare, an optional extra that is not installed here."""

    def __init__(self) -> None:
        super().__init__(
            "Importing from a link needs FanFicFare, which is not installed. "
            "The operator can add it with `pip install '.[fetch]'`; a file attachment works without it."
        )


class FetchFailed(StorytellerError):
    """A link FanFicFare could not turn into a story; the message says why."""


ECHO_LIMIT = 80


def echo(text: str, limit: int = ECHO_LIMIT) -> str:
    """User input as quoted back in a message: one line, at most ``limit`` characters."""
    flat = " ".join(str(text).split()).replace("`", "'")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"

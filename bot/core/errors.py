"""Domain errors: each carries a message fit to show a user or an operator as it is."""

from __future__ import annotations


class StorytellerError(Exception):
    """Base for errors whose message is meant for people, not for a traceback."""


class StoryNotFound(StorytellerError):
    def __init__(self, query: str, suggestions: list[str] | None = None) -> None:
        self.query = query
        self.suggestions = suggestions or []
        hint = f" Did you mean {', '.join(f'`{s}`' for s in self.suggestions)}?" if self.suggestions else ""
        super().__init__(f"No story matches `{query}`.{hint}")


class StoryFileError(StorytellerError):
    """A story file that cannot be read; the message names the problem."""

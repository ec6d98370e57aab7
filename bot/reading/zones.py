"""Time zones by IANA name, with an error that says what a valid name looks like."""

from __future__ import annotations

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.core.errors import StorytellerError


class UnknownTimeZone(StorytellerError):
    def __init__(self, name: str) -> None:
        super().__init__(
            f"`{name}` is not a time zone name. Use an IANA name such as `Europe/Paris` or `America/New_York`."
        )


def time_zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise UnknownTimeZone(name) from None

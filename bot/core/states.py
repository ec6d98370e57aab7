"""The states, policies and reason codes of readings, as enums rather than loose strings.

They are ``StrEnum``: stored in the database as their text, and equal to it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from bot.core.errors import InvalidOption, echo

E = TypeVar("E", bound=StrEnum)


class ReadingState(StrEnum):
    """A live reading: running on its own, or paused (by a reader or by a problem)."""

    RUNNING = "running"
    PAUSED = "paused"


class ScheduleState(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    FINISHED = "finished"


class CatchUp(StrEnum):
    """What a schedule does with releases missed while the bot was down."""

    SHIFT = "shift"  # post the missed one now, then carry on from now
    LATE = "late"  # post each missed one, ten minutes apart, then rejoin the cadence
    SKIP = "skip"  # jump to where the schedule would be, and say what was skipped


class ThreadMode(StrEnum):
    NONE = "none"
    SINGLE = "single"  # one thread opened at the start
    EACH = "each"  # a new thread per installment


class Control(StrEnum):
    """What a reader can do to a live reading."""

    PAUSE = "pause"
    RESUME = "resume"
    STOP = "stop"
    FASTER = "faster"
    SLOWER = "slower"


class Reason(StrEnum):
    """Why a reading or schedule is paused or waiting."""

    ADMIN = "admin"  # paused by a person
    DELIVERY = "delivery"  # a problem only a person can fix: channel gone, permission, rating
    STORY_REMOVED = "story_removed"
    RETRYING = "retrying"  # written by older versions; retries are now the engine's, held in memory


def choices(kind: type[StrEnum]) -> str:
    return ", ".join(member.value for member in kind)


def parse(kind: type[E], value: str, what: str) -> E:
    """``value`` as a member of ``kind``, or an :class:`InvalidOption` naming the choices."""
    try:
        return kind(value.strip().lower())
    except ValueError:
        raise InvalidOption(f"{what} must be one of {choices(kind)}, not `{echo(value)}`.") from None

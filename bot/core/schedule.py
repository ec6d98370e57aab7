"""Cadences of serial readings and the instants they fall on, in a time zone, across DST.

A cadence is daily, weekdays or weekly at a local time, every N hours, or a
cron expression. Local times are evaluated in the schedule's IANA zone, so
"daily at 20:00 Europe/Paris" stays at 20:00 on both sides of a clock change.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo

from cronsim import CronSim, CronSimError

from bot.core.errors import ScheduleError, echo

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True, slots=True)
class Cadence:
    """When installments are released: ``kind`` is daily, weekdays, weekly, hours or cron."""

    kind: str
    at: time = time(20, 0)
    weekday: int = 0  # weekly: 0 = Monday
    hours: int = 24  # hours: the interval
    cron: str = ""

    def cron_expression(self) -> str | None:
        """The cadence as cron, for everything but fixed-hour intervals."""
        hm = f"{self.at.minute} {self.at.hour}"
        if self.kind == "daily":
            return f"{hm} * * *"
        if self.kind == "weekdays":
            return f"{hm} * * 1-5"
        if self.kind == "weekly":
            return f"{hm} * * {(self.weekday + 1) % 7}"
        if self.kind == "cron":
            return self.cron
        return None

    def every(self) -> str:
        """The ``every`` text that :func:`parse_cadence` reads back into this cadence."""
        return {"weekly": WEEKDAYS[self.weekday], "hours": f"{self.hours} hours", "cron": self.cron}.get(
            self.kind, self.kind
        )

    def describe(self) -> str:
        at = self.at.strftime("%H:%M")
        return {
            "daily": f"daily at {at}",
            "weekdays": f"weekdays at {at}",
            "weekly": f"every {WEEKDAYS[self.weekday].capitalize()} at {at}",
            "hours": f"every {self.hours} hours",
            "cron": f"cron `{self.cron}`",
        }[self.kind]

    def encode(self) -> str:
        """A compact text form for storage; :meth:`decode` reads it back."""
        return f"{self.kind}|{self.at.strftime('%H:%M')}|{self.weekday}|{self.hours}|{self.cron}"

    @classmethod
    def decode(cls, text: str) -> Cadence:
        kind, at, weekday, hours, cron = text.split("|", 4)
        return cls(kind, parse_time(at), int(weekday), int(hours), cron)


def parse_time(text: str) -> time:
    match = re.fullmatch(r"\s*(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\s*", text.lower())
    if not match:
        raise ScheduleError(f"`{echo(text)}` is not a time of day. Write it like `20:00` or `8pm`.")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if match.group(3):
        if not 1 <= hour <= 12:
            raise ScheduleError(f"`{echo(text)}` is not a time of day.")
        hour = hour % 12 + (12 if match.group(3) == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ScheduleError(f"`{echo(text)}` is not a time of day. Hours go to 23, minutes to 59.")
    return time(hour, minute)


def parse_cadence(every: str, at: str | None = None, *, start_weekday: int = 0) -> Cadence:
    """Read what an admin typed: ``daily``, ``weekdays``, ``weekly``, ``friday``, ``6 hours``, cron."""
    text = " ".join(every.lower().split())
    when = parse_time(at) if at else time(20, 0)
    if text in {"daily", "day", "every day"}:
        return Cadence("daily", when)
    if text in {"weekdays", "weekday", "every weekday"}:
        return Cadence("weekdays", when)
    if text in {"weekly", "week", "every week"}:
        return Cadence("weekly", when, weekday=start_weekday)
    for n, name in enumerate(WEEKDAYS):
        if text in {name, name[:3], f"every {name}", f"{name}s"}:
            return Cadence("weekly", when, weekday=n)
    hours = re.fullmatch(r"(?:every )?(\d{1,3}) ?(?:h|hours?)", text)
    if hours:
        n = int(hours.group(1))
        if not 1 <= n <= 24 * 14:
            raise ScheduleError("An interval must be between 1 hour and 2 weeks.")
        return Cadence("hours", when, hours=n)
    if len(text.split()) == 5:
        try:
            CronSim(text, datetime(2026, 1, 1, tzinfo=UTC))
        except CronSimError as exc:
            raise ScheduleError(f"`{echo(every)}` is not a valid cron expression: {exc}") from None
        return Cadence("cron", when, cron=text)
    raise ScheduleError(
        f"`{echo(every)}` is not a cadence. Use `daily`, `weekdays`, `weekly`, a weekday like `friday`, "
        "an interval like `6 hours`, or a cron expression like `0 20 * * 1,3,5`."
    )


def occurrences(
    cadence: Cadence, zone: tzinfo, after: datetime, *, anchor: datetime | None = None
) -> Iterator[datetime]:
    """Release instants (aware UTC) strictly after ``after``, in order, forever.

    Interval cadences count whole hours from ``anchor``; the others are local
    wall-clock times in ``zone``. A local time a spring-forward gap skips falls
    at the first instant after the gap; one an autumn fold repeats falls once.
    """
    expression = cadence.cron_expression()
    if expression is None:
        start = anchor or after
        step = timedelta(hours=cadence.hours)
        n = max(0, int((after - start) / step) + 1)
        while True:
            instant = start + n * step
            if instant > after:
                yield instant.astimezone(UTC)
            n += 1
    local = after.astimezone(zone)
    for instant in CronSim(expression, local):
        yield instant.astimezone(UTC)


def next_release(cadence: Cadence, zone: tzinfo, after: datetime, *, anchor: datetime | None = None) -> datetime:
    return next(occurrences(cadence, zone, after, anchor=anchor))


@dataclass(frozen=True, slots=True)
class Plan:
    """What a new schedule will do: shown to the admin before anything posts."""

    installments: int
    first: list[datetime]
    last: datetime


def plan(cadence: Cadence, zone: tzinfo, start: datetime, installments: int, *, shown: int = 3) -> Plan:
    """The first release at or after ``start``, the next ones, and the date of the last."""
    times = occurrences(cadence, zone, start - timedelta(microseconds=1), anchor=start)
    first, last = [], start
    for n in range(installments):
        last = next(times)
        if n < shown:
            first.append(last)
    return Plan(installments, first, last)

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bot.core.schedule import Cadence, ScheduleError, next_release, occurrences, parse_cadence, parse_time, plan

PARIS = ZoneInfo("Europe/Paris")


def take(iterator, n):
    return [next(iterator) for _ in range(n)]


def test_daily_at_20_paris_stays_at_20_local_across_spring_forward():
    cadence = parse_cadence("daily", "20:00")
    start = datetime(2026, 3, 27, 12, 0, tzinfo=UTC)
    times = take(occurrences(cadence, PARIS, start), 4)
    assert [t.astimezone(PARIS).hour for t in times] == [20, 20, 20, 20]
    assert [t.hour for t in times] == [19, 19, 18, 18]  # UTC moves by an hour on 29 March
    assert [t.astimezone(PARIS).day for t in times] == [27, 28, 29, 30]


def test_daily_across_autumn_fall_back():
    times = take(occurrences(parse_cadence("daily", "20:00"), PARIS, datetime(2026, 10, 24, tzinfo=UTC)), 3)
    assert [t.astimezone(PARIS).strftime("%d %H:%M") for t in times] == ["24 20:00", "25 20:00", "26 20:00"]


def test_local_time_in_the_spring_gap_posts_once_after_the_gap():
    cadence = parse_cadence("daily", "02:30")
    times = take(occurrences(cadence, PARIS, datetime(2026, 3, 28, 12, tzinfo=UTC)), 2)
    assert times[0] < times[1]
    assert times[0].astimezone(PARIS).day == 29 and times[0].astimezone(PARIS).hour == 3


def test_weekdays_weekly_and_intervals():
    monday = datetime(2026, 11, 23, 21, 0, tzinfo=UTC)  # Monday 22:00 Paris
    days = [t.astimezone(PARIS).strftime("%a") for t in take(occurrences(parse_cadence("weekdays"), PARIS, monday), 5)]
    assert days == ["Tue", "Wed", "Thu", "Fri", "Mon"]
    friday = next_release(parse_cadence("friday", "8pm"), PARIS, monday)
    assert friday.astimezone(PARIS).strftime("%a %H:%M") == "Fri 20:00"
    anchor = datetime(2026, 11, 23, 10, tzinfo=UTC)
    six = take(occurrences(parse_cadence("every 6 hours"), PARIS, anchor, anchor=anchor), 2)
    assert [t.hour for t in six] == [16, 22]


def test_cron_expression():
    cadence = parse_cadence("0 20 * * 1,3,5")
    assert cadence.kind == "cron"
    first = next_release(cadence, PARIS, datetime(2026, 11, 24, tzinfo=UTC))
    assert first.astimezone(PARIS).strftime("%a %H:%M") == "Wed 20:00"


@pytest.mark.parametrize(
    ("every", "message"),
    [("fortnightly", "not a cadence"), ("0 25 * * *", "not a valid cron expression"), ("0 hours", "between")],
)
def test_bad_cadences_are_explained(every, message):
    with pytest.raises(ScheduleError, match=message):
        parse_cadence(every)


def test_times_of_day():
    assert parse_time("8pm") == time(20, 0)
    assert parse_time("07:05") == time(7, 5)
    with pytest.raises(ScheduleError, match="not a time of day"):
        parse_time("25:00")


def test_cadence_round_trips_through_storage():
    for cadence in (
        parse_cadence("daily", "20:00"),
        parse_cadence("6 hours"),
        parse_cadence("0 8 * * *"),
        parse_cadence("sunday", "9:15"),
    ):
        assert Cadence.decode(cadence.encode()) == cadence


def test_plan_previews_first_three_and_the_end():
    start = datetime(2026, 11, 24, 12, tzinfo=UTC)
    preview = plan(parse_cadence("daily", "20:00"), PARIS, start, 10)
    assert [t.astimezone(PARIS).day for t in preview.first] == [24, 25, 26]
    assert preview.last.astimezone(PARIS).day == 3 and preview.last.astimezone(PARIS).month == 12


def test_every_reads_back_into_the_same_cadence():
    for every in ("daily", "weekdays", "friday", "6 hours", "0 8 * * 1-5"):
        cadence = parse_cadence(every, "09:30")
        assert parse_cadence(cadence.every(), "09:30") == cadence

"""/schedule status and list for a serial of a work in progress that has posted every installment so far."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app.schedules import ScheduleRequest, state_text, waiting_text
from bot.console import render as console
from bot.core.models import Chapter, Story, StoryMeta
from bot.core.serials import Move
from bot.discord_adapter import render as discord_render
from tests.app.conftest import CHANNEL, NOW, admin

NEXT = datetime(2026, 3, 26, 20, 0, tzinfo=UTC)


async def save(services, status: str, version: str) -> None:
    chapters = tuple(Chapter.from_text(f"Chapter {n}", f"Day {n} began with ink. " * 60) for n in (1, 2))
    await services.stories.save(
        Story(StoryMeta(title="Still Writing", author="Q", rating_raw="K", status=status), chapters),
        source_path="wip/still-writing.txt",
        source_format="plain",
        content_hash=version,
        slug="still-writing",
        now=NOW,
    )


async def caught_up(app, services) -> int:
    """A serial of the work in progress that has posted all it has: the engine's move after its last one."""
    await save(services, "In Progress", "v1")
    created = await app.schedules.create(admin(), ScheduleRequest(story="still-writing", channel_id=CHANNEL))
    schedule = created.schedule
    report = await app.schedules.status(admin(), schedule.id)
    assert state_text(report.schedule) == "active" and waiting_text(report, "soon") is None
    await services.schedules.move(schedule.id, Move(schedule.total + 1, NEXT, NEXT), NOW)
    return schedule.id


async def test_status_and_list_say_it_waits_for_new_chapters(app, services):
    schedule_id = await caught_up(app, services)
    report = await app.schedules.status(admin(), schedule_id)
    assert report.schedule.waiting and report.in_progress and report.upcoming == (NEXT,)
    assert state_text(report.schedule) == "waiting for new chapters"
    assert waiting_text(report, "tomorrow") == (
        "Waiting for new chapters: Still Writing is a work in progress; checking at each release, next tomorrow."
    )
    [line] = await app.schedules.list(admin())
    assert state_text(line.schedule) == "waiting for new chapters"

    text = console.schedule_report(report)
    assert "finished" not in text
    assert "Still Writing: waiting for new chapters, 2/2 posted" in text
    assert "Waiting for new chapters: Still Writing is a work in progress; checking at each release, next Thu" in text
    assert "Next post" not in text
    assert console.schedule_lines([line]).startswith(f"#{schedule_id} Still Writing: waiting for new chapters, 2/2")

    embed = discord_render.schedule_embed(report, plan=True)
    assert embed.description == (
        "Waiting for new chapters: **Still Writing** is a work in progress; checking at each release, "
        f"next <t:{int(NEXT.timestamp())}:F>."
    )
    fields = {field.name: field.value for field in embed.fields}
    assert fields["State"] == "waiting for new chapters" and "Next check" in fields and "Ends" not in fields
    assert "· waiting for new chapters · 2/2 ·" in discord_render.schedule_list([line])


async def test_marked_complete_while_waiting_it_says_it_finishes_next(app, services):
    schedule_id = await caught_up(app, services)
    await save(services, "Complete", "v2")
    report = await app.schedules.status(admin(), schedule_id)
    assert not report.in_progress and state_text(report.schedule) == "waiting for new chapters"
    assert waiting_text(report, "tomorrow") == (
        "Still Writing is now complete: at its next release, tomorrow, the serial posts any new chapters, "
        "then finishes."
    )

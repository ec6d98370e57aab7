"""/schedule, /catchup, /settings and readers' responses as use cases."""

from __future__ import annotations

import pytest

from bot.app.schedules import MoreResult, ScheduleChange, ScheduleRequest
from bot.app.settings import SettingsChange
from bot.core.errors import (
    InvalidOption,
    MoreClosed,
    NotAllowed,
    NothingToCatchUp,
    ScheduleError,
    StoryRemoved,
    UnknownTimeZone,
)
from bot.core.ratings import Rating
from tests.app.conftest import CHANNEL, GUILD, admin, member


async def test_schedules_are_for_admins_only(app):
    with pytest.raises(NotAllowed, match="Manage Server"):
        await app.schedules.list(member())
    with pytest.raises(NotAllowed):
        await app.schedules.create(member(), ScheduleRequest(story="fight-for-me", channel_id=CHANNEL))
    assert await app.schedules.list(admin()) == []


async def test_create_explains_and_steers_a_schedule(app):
    request = ScheduleRequest(story="fight-for-me", channel_id=CHANNEL, every="daily", at="20:00", timezone="UTC")
    created = await app.schedules.create(admin(), request)
    assert created.title == "Fight For Me" and created.plan.installments >= 1
    schedule_id = created.schedule.id
    [line] = await app.schedules.list(admin())
    assert line.schedule.id == schedule_id and line.title == "Fight For Me"
    report = await app.schedules.status(admin(), schedule_id)
    assert report.problem is None and report.upcoming
    paused = await app.schedules.pause(admin(), schedule_id)
    assert paused.schedule.state == "paused" and paused.upcoming == ()
    edited = await app.schedules.edit(admin(), schedule_id, ScheduleChange(at="08:15"))
    assert "08:15" in edited.schedule.cadence.describe()
    assert await app.schedules.cancel(admin(), schedule_id) == schedule_id
    assert await app.schedules.list(admin()) == []


async def test_bad_schedule_options_are_named(app):
    with pytest.raises(UnknownTimeZone):
        await app.schedules.create(admin(), ScheduleRequest(story="fight-for-me", channel_id=CHANNEL, timezone="Mars"))
    with pytest.raises(ScheduleError, match="not a date"):
        await app.schedules.create(admin(), ScheduleRequest(story="fight-for-me", channel_id=CHANNEL, start="soon"))
    with pytest.raises(InvalidOption, match="Catch-up"):
        await app.schedules.create(
            admin(), ScheduleRequest(story="fight-for-me", channel_id=CHANNEL, catch_up="sometimes")
        )


async def test_more_on_a_removed_schedule_and_its_wording(app):
    with pytest.raises(MoreClosed, match="More!"):
        await app.schedules.more(member(), 31_337, 1)
    created = await app.schedules.create(admin(), ScheduleRequest(story="fight-for-me", channel_id=CHANNEL, more=2))
    first = await app.schedules.more(member(1), created.schedule.id, 1)
    assert (first.votes, first.quorum, first.released) == (1, 2, False)
    assert (await app.schedules.more(member(1), created.schedule.id, 1)).votes == 1  # once per reader
    plain = await app.schedules.create(admin(), ScheduleRequest(story="grey-areas", channel_id=201))
    with pytest.raises(MoreClosed):
        await app.schedules.more(member(), plain.schedule.id, 1)
    assert MoreResult(1, 3, False).message == "Counted: 1 of 3 readers want more."
    assert "on its way" in MoreResult(3, 3, True).message
    assert "already" in MoreResult(4, 3, False).message


async def test_catchup_needs_a_released_installment(app):
    with pytest.raises(NothingToCatchUp):
        await app.catchup.open(member())
    with pytest.raises(NothingToCatchUp):
        await app.catchup.page(member(), 424_242, 0)


async def test_settings_are_checked_whole_before_saving(app, services):
    with pytest.raises(NotAllowed):
        await app.settings.change(member(), SettingsChange(max_rating="T"))
    with pytest.raises(UnknownTimeZone):
        await app.settings.change(admin(), SettingsChange(max_rating="G", timezone="Paris/France"))
    assert (await services.guilds.get(GUILD)).max_rating is Rating.E  # nothing changed
    saved = await app.settings.change(admin(), SettingsChange(max_rating="t", timezone="Europe/Paris", threads=True))
    assert saved.changed and saved.settings.max_rating is Rating.T and saved.settings.open_threads
    again = await app.settings.change(admin(), SettingsChange(reader_role_id=5))
    cleared = await app.settings.change(admin(), SettingsChange(everyone_reads=True))
    assert again.settings.reader_role_id == 5 and cleared.settings.reader_role_id is None
    assert not (await app.settings.show(admin())).changed


async def test_feedback_is_saved_and_refused_for_a_removed_story(app, services):
    form = await app.responses.feedback_form(member(), "fight-for-me")
    await app.responses.submit_feedback(member(4), form.story_id, "Beautiful and sad.")
    [saved] = await services.responses.feedback(form.story_id, GUILD)
    assert saved.text == "Beautiful and sad." and saved.user_name == "user4"
    with pytest.raises(StoryRemoved):
        await app.responses.submit_feedback(member(4), 999_999, "Lovely.")
    with pytest.raises(InvalidOption):
        await app.responses.submit_feedback(member(4), form.story_id, " ")
    report = await app.responses.reactions(member(), "fight-for-me")
    assert report.per_installment == () and report.record.slug == "fight-for-me"

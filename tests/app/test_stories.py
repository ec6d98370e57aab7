"""/summary, /rating, /library and /recap as use cases."""

from __future__ import annotations

import pytest

from bot.core.errors import InvalidOption, NothingToRecap, StoryNotFound
from tests.app.conftest import AFTER_DARK, member


async def test_summary_hides_mature_summaries_outside_age_restricted_channels(app):
    hidden = await app.stories.summary(member(), "grey-areas")
    assert hidden.record.title == "Grey Areas" and not hidden.summary_shown
    shown = await app.stories.summary(member(channel_id=AFTER_DARK), "Grey Areas")
    assert shown.summary_shown and shown.previously == ()


async def test_unknown_title_suggests_and_long_input_is_cut(app):
    with pytest.raises(StoryNotFound, match="Did you mean `fight-for-me`"):
        await app.stories.summary(member(), "fight fo mee")
    with pytest.raises(StoryNotFound) as caught:
        await app.stories.summary(member(), "x" * 500)
    assert len(str(caught.value)) < 200


async def test_rating_says_where_and_whether_here(app):
    info = await app.stories.rating(member(), "midnight-heat")
    assert info.where == "Only in age-restricted channels."
    assert info.refusal and "age-restricted" in info.refusal
    assert (await app.stories.rating(member(channel_id=AFTER_DARK), "midnight-heat")).refusal is None


async def test_library_filters_pages_and_refuses_a_stale_rating(app):
    everything = await app.stories.library()
    assert everything.total == 3 and everything.pages == 1 and not everything.filters
    explicit = await app.stories.library(rating="e")
    assert [r.slug for r in explicit.records] == ["midnight-heat"] and explicit.filters == "rating E"
    past_the_end = await app.stories.library(page=7)
    assert past_the_end.page == 0 and past_the_end.records
    with pytest.raises(InvalidOption, match="`ZZ` is not a rating"):
        await app.stories.library(rating="ZZ")


async def test_recap_needs_something_read_here(app):
    with pytest.raises(NothingToRecap):
        await app.stories.recap(member())


async def test_autocomplete_over_titles_and_fandoms(app):
    assert ("fight-for-me", "Fight For Me") in await app.stories.complete("figh")
    assert isinstance(await app.stories.fandoms(""), list)

import pytest

from bot.core.gating import RatingRefused, Venue, check, may_show_summary, refusal
from bot.core.ratings import ContentRating, Rating

ORDINARY = Venue(age_restricted=False)
RESTRICTED = Venue(age_restricted=True)


@pytest.mark.parametrize("raw", ["K", "K+", "T", "General Audiences"])
def test_g_to_t_read_anywhere(raw):
    assert refusal(ContentRating.from_raw(raw), ORDINARY) is None


@pytest.mark.parametrize("raw", ["M", "Explicit", "Not Rated", "Tweenie"])
def test_m_e_u_need_an_age_restricted_channel(raw):
    rating = ContentRating.from_raw(raw)
    reason = refusal(rating, ORDINARY)
    assert reason is not None and "age-restricted" in reason
    assert refusal(rating, RESTRICTED) is None


def test_guild_maximum_applies_even_in_age_restricted_channels():
    venue = Venue(age_restricted=True, guild_max=Rating.T)
    with pytest.raises(RatingRefused, match="above this server's limit of T"):
        check(ContentRating.from_raw("Mature"), venue)
    check(ContentRating.from_raw("T"), venue)


def test_never_servable_is_refused_everywhere():
    rating = ContentRating.from_raw("General Audiences", ["Underage Sex"])
    assert "never posted" in refusal(rating, RESTRICTED)


def test_summaries_redacted_outside_age_restricted_channels():
    assert may_show_summary(ContentRating.from_raw("T"), ORDINARY)
    assert not may_show_summary(ContentRating.from_raw("Mature"), ORDINARY)
    assert may_show_summary(ContentRating.from_raw("Mature"), RESTRICTED)

import pytest

from bot.core.ratings import (
    CHOSE_NOT_TO_WARN,
    RAPE_NON_CON,
    UNDERAGE_SEX,
    ContentRating,
    Rating,
    normalise_rating,
    normalise_warnings,
)


@pytest.mark.parametrize(
    ("raw", "level"),
    [
        ("K", Rating.G),
        ("K+", Rating.PG),
        ("Fiction K+", Rating.PG),
        ("T", Rating.T),
        ("Fiction M", Rating.M),
        ("MA", Rating.E),
        ("General Audiences", Rating.G),
        ("Teen And Up Audiences", Rating.T),
        ("Mature", Rating.M),
        ("Explicit", Rating.E),
        ("Not Rated", Rating.U),
        ("Everyone", Rating.T),
        ("PG-13", Rating.T),
        ("pg", Rating.PG),
        ("R", Rating.M),
        ("NC-17", Rating.E),
        ("FR7", Rating.G),
        ("FR13", Rating.T),
        ("FR15", Rating.M),
        ("FR21", Rating.E),
        ("fr 18", Rating.M),
        ("", Rating.U),
        (None, Rating.U),
    ],
)
def test_known_ratings_map_to_the_scale(raw, level):
    assert normalise_rating(raw) == (level, True)


def test_unknown_rating_is_unrated_and_flagged():
    assert normalise_rating("Tweenie") == (Rating.U, False)
    rating = ContentRating.from_raw("Tweenie")
    assert rating.level is Rating.U
    assert not rating.recognised
    assert rating.raw == "Tweenie"


def test_unrated_is_gated_like_explicit():
    assert Rating.U.severity == Rating.E.severity
    assert Rating.U.needs_age_restricted_channel
    assert Rating.M.needs_age_restricted_channel
    assert not Rating.T.needs_age_restricted_channel


def test_warnings_normalise_both_ao3_generations():
    assert normalise_warnings(["Choose Not To Use Archive Warnings"]) == (CHOSE_NOT_TO_WARN,)
    assert normalise_warnings(["Underage"]) == (UNDERAGE_SEX,)
    assert normalise_warnings(["Rape/Non-Con, No Archive Warnings Apply"]) == (RAPE_NON_CON,)
    assert normalise_warnings(["Swearing"]) == ("Swearing",)


def test_rape_non_con_lifts_to_explicit():
    rating = ContentRating.from_raw("Teen And Up Audiences", ["Rape/Non-Con"])
    assert rating.base is Rating.T
    assert rating.level is Rating.E


def test_chose_not_to_warn_lifts_to_mature_but_never_lowers():
    assert ContentRating.from_raw("K", [CHOSE_NOT_TO_WARN]).level is Rating.M
    assert ContentRating.from_raw("Explicit", [CHOSE_NOT_TO_WARN]).level is Rating.E


def test_underage_sex_is_never_servable():
    rating = ContentRating.from_raw("General Audiences", ["Underage"])
    assert not rating.servable
    assert "never" in (rating.refusal or "")
    assert ContentRating.from_raw("Explicit").servable


def test_parse_level_names_the_choices():
    assert Rating.parse_level("t") is Rating.T
    with pytest.raises(ValueError, match="G, PG, T, M, E, U"):
        Rating.parse_level("X")

"""Where a story may be read: the rating gate checked before every post."""

from __future__ import annotations

from dataclasses import dataclass

from bot.core.errors import RatingRefused
from bot.core.ratings import ContentRating, Rating


@dataclass(frozen=True, slots=True)
class Venue:
    """What the gate needs to know about the place a post would go."""

    age_restricted: bool
    guild_max: Rating = Rating.E  # the guild's highest allowed level; E allows everything
    in_guild: bool = True


def refusal(rating: ContentRating, venue: Venue) -> str | None:
    """Why ``rating`` may not be posted at ``venue``, or ``None`` when it may."""
    if not rating.servable:
        return f"This story is never posted anywhere: it is {rating.refusal}."
    level = rating.level
    if venue.in_guild and level.severity > venue.guild_max.severity and venue.guild_max is not Rating.U:
        return (
            f"This story is rated {level.value} ({level.label}), above this server's limit of "
            f"{venue.guild_max.value}. A server admin can raise the limit with `/settings max_rating`."
        )
    if level.needs_age_restricted_channel and not venue.age_restricted:
        where = "an age-restricted channel" if venue.in_guild else "an age-restricted server channel"
        return (
            f"This story is rated {level.value} ({level.label}), so it is only read in {where}. "
            "Ask an admin to mark the channel age-restricted (Edit Channel → Age-Restricted), "
            "or pick a story rated T or lower."
        )
    return None


def check(rating: ContentRating, venue: Venue) -> None:
    """Raise :class:`RatingRefused` unless ``rating`` may be posted at ``venue``."""
    reason = refusal(rating, venue)
    if reason is not None:
        raise RatingRefused(reason)


def where_readable(rating: ContentRating) -> str:
    """Where a story may be read at all, as a sentence."""
    if not rating.servable:
        return f"Nowhere: {rating.refusal}."
    if rating.level.needs_age_restricted_channel:
        return "Only in age-restricted channels."
    return "Any channel."


def may_show_summary(rating: ContentRating, venue: Venue) -> bool:
    """Summaries of M, E and U stories stay out of channels that are not age-restricted."""
    return rating.servable and (venue.age_restricted or not rating.level.needs_age_restricted_channel)

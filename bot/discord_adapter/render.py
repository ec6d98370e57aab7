"""Embeds for stories, ratings and the library, within Discord's limits."""

from __future__ import annotations

import discord

from bot.core.gating import Venue, may_show_summary, refusal, where_readable
from bot.core.models import StoryRecord
from bot.core.ratings import Rating
from bot.reading.live import ReadingStatus

RATING_COLOURS = {
    Rating.G: discord.Colour.green(),
    Rating.PG: discord.Colour.teal(),
    Rating.T: discord.Colour.gold(),
    Rating.M: discord.Colour.orange(),
    Rating.E: discord.Colour.red(),
    Rating.U: discord.Colour.dark_grey(),
}


def clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def rating_text(record: StoryRecord) -> str:
    rating = record.rating
    raw = f" (from “{clip(rating.raw, 60)}”)" if rating.raw and rating.raw != rating.level.value else ""
    return f"**{rating.level.value}** · {rating.level.label}{raw}"


def summary_text(record: StoryRecord, venue: Venue) -> str:
    if not record.meta.summary:
        return "*No summary.*"
    if not may_show_summary(record.rating, venue):
        return (
            f"*Summary hidden: this story is rated {record.rating.level.value}. It shows in age-restricted channels.*"
        )
    return record.meta.summary


def story_card(record: StoryRecord, venue: Venue, *, words_per_minute: int) -> discord.Embed:
    """The story card: everything a reader wants to know before reading."""
    meta = record.meta
    embed = discord.Embed(
        title=clip(meta.title, 256),
        description=clip(summary_text(record, venue), 4000),
        colour=RATING_COLOURS[record.rating.level],
    )
    embed.add_field(name="Author", value=clip(meta.author or "Unknown", 1024), inline=True)
    embed.add_field(name="Fandom", value=clip(meta.fandom or "Original", 1024), inline=True)
    embed.add_field(name="Rating", value=rating_text(record), inline=True)
    warnings = record.rating.warnings
    embed.add_field(
        name="Warnings",
        value=clip(", ".join(f"||{w}||" for w in warnings), 1024) if warnings else "None given",
        inline=False,
    )
    minutes = record.reading_minutes(words_per_minute)
    chapters = f"{record.chapter_count} chapter{'s' if record.chapter_count != 1 else ''}"
    embed.add_field(name="Length", value=f"{record.words:,} words · {chapters}", inline=True)
    embed.add_field(name="Reading time", value=f"about {minutes} min", inline=True)
    if meta.content_notes:
        embed.add_field(name="Content notes", value=clip(f"||{meta.content_notes}||", 1024), inline=False)
    if meta.disclaimer:
        embed.add_field(name="Disclaimer", value=clip(meta.disclaimer, 1024), inline=False)
    if meta.feedback:
        embed.add_field(name="Feedback", value=clip(meta.feedback, 1024), inline=False)
    embed.set_footer(text=f"/story {record.slug}")
    return fit(embed)


EMBED_TOTAL_LIMIT = 6000


def fit(embed: discord.Embed) -> discord.Embed:
    """Shorten the description until the whole embed is within Discord's 6,000 characters."""
    excess = len(embed) - EMBED_TOTAL_LIMIT
    if excess > 0 and embed.description:
        embed.description = clip(embed.description, max(1, len(embed.description) - excess - 1))
    return embed


def rating_card(record: StoryRecord, venue: Venue) -> discord.Embed:
    rating = record.rating
    embed = discord.Embed(title=clip(f"Rating: {record.title}", 256), colour=RATING_COLOURS[rating.level])
    embed.add_field(name="Normalised", value=rating_text(record), inline=False)
    embed.add_field(name="As the author rated it", value=clip(rating.raw or "(not rated)", 1024), inline=True)
    if not rating.recognised:
        embed.add_field(name="Note", value="This rating is not a known scale, so it is treated as unrated.")
    notes = rating.notes()
    warnings = "\n".join(f"• ||{n}||" for n in notes) if notes else ", ".join(rating.warnings) or "None given"
    embed.add_field(name="Warnings", value=clip(warnings, 1024), inline=False)
    embed.add_field(name="Where it may be read", value=where_readable(rating), inline=False)
    reason = refusal(rating, venue)
    embed.add_field(name="Here", value=clip(reason, 1024) if reason else "✅ It may be read here.", inline=False)
    return embed


def library_page(records: list[StoryRecord], *, page: int, pages: int, total: int, filters: str) -> discord.Embed:
    embed = discord.Embed(title="Library", colour=discord.Colour.blurple())
    if not records:
        embed.description = "No story matches." if filters else "The library is empty."
    else:
        lines = [
            f"**{clip(r.title, 80)}** · {clip(r.meta.author or 'Unknown', 40)} · "
            f"{r.rating.level.value} · {r.words:,} words\n`/story {r.slug}`"
            for r in records
        ]
        embed.description = "\n".join(lines)
    footer = f"Page {page + 1} of {max(1, pages)} · {total} stor{'y' if total == 1 else 'ies'}"
    embed.set_footer(text=footer + (f" · {filters}" if filters else ""))
    return embed


def status_text(status: ReadingStatus) -> str:
    state = {"running": "▶️ Reading", "paused": "⏸️ Paused"}.get(status.state, status.state)
    line = (
        f"{state} **{status.title}**: message {min(status.position + 1, status.total)} of {status.total}, "
        f"speed ×{status.speed:g}, about {status.minutes_left:.0f} min left."
    )
    if status.reason:
        line += f"\nWhy it paused: {status.reason}"
    return line

"""Results of the use cases as Discord shows them: embeds and message text, within Discord's limits."""

from __future__ import annotations

from datetime import datetime

import discord

from bot.app.catchup import CatchupStart
from bot.app.readings import ControlResult, control_text
from bot.app.readings import status_text as plain_status_text
from bot.app.responses import ReactionsReport
from bot.app.schedules import ScheduleCreated, ScheduleLine, ScheduleReport, state_text, waiting_text
from bot.app.settings import SettingsResult
from bot.app.stories import LibraryPage, RatingInfo, Recap, StoryCard
from bot.core.gating import Venue, may_show_summary
from bot.core.guild import GuildSettings
from bot.core.models import StoryRecord
from bot.core.ratings import Rating
from bot.core.wording import counted
from bot.discord_adapter.limits import CONTENT, FIELD_VALUE, clip, fit_content, fit_embed, fit_embeds
from bot.reading.live import ReadingStatus

__all__ = ["clip", "fit"]  # clip is limits.clip, kept here for the components that import it

RATING_COLOURS = {
    Rating.G: discord.Colour.green(),
    Rating.PG: discord.Colour.teal(),
    Rating.T: discord.Colour.gold(),
    Rating.M: discord.Colour.orange(),
    Rating.E: discord.Colour.red(),
    Rating.U: discord.Colour.dark_grey(),
}


def bold(text: str) -> str:
    return f"**{text}**"


def fit(embed: discord.Embed) -> discord.Embed:
    """Every field within its limit and the whole within 6,000 characters (:func:`limits.fit_embed`)."""
    return fit_embed(embed)


def stamp(when: datetime | None, style: str = "F") -> str:
    return f"<t:{int(when.timestamp())}:{style}>" if when else "—"


# Stories ---------------------------------------------------------------------------------------


def rating_text(record: StoryRecord) -> str:
    rating = record.rating
    raw = f" (from “{clip(rating.raw, 60)}”)" if rating.raw and rating.raw != rating.level.value else ""
    return f"**{rating.level.value}** · {rating.level.label}{raw}"


def summary_text(record: StoryRecord, shown: bool) -> str:
    if not record.meta.summary:
        return "*No summary.*"
    if not shown:
        return (
            f"*Summary hidden: this story is rated {record.rating.level.value}. It shows in age-restricted channels.*"
        )
    return record.meta.summary


def story_embed(card: StoryCard) -> discord.Embed:
    """The story card: everything a reader wants to know before reading."""
    record = card.record
    meta = record.meta
    embed = discord.Embed(
        title=clip(meta.title, 256),
        description=clip(summary_text(record, card.summary_shown), 4000),
        colour=RATING_COLOURS[record.rating.level],
    )
    embed.add_field(name="Author", value=clip(meta.author or "Unknown", FIELD_VALUE), inline=True)
    embed.add_field(name="Fandom", value=clip(meta.fandom or "Original", FIELD_VALUE), inline=True)
    embed.add_field(name="Rating", value=rating_text(record), inline=True)
    warnings = record.rating.warnings
    embed.add_field(
        name="Warnings",
        value=clip(", ".join(f"||{w}||" for w in warnings), FIELD_VALUE) if warnings else "None given",
        inline=False,
    )
    chapters = counted(record.chapter_count, "chapter")
    embed.add_field(name="Length", value=f"{counted(record.words, 'word')} · {chapters}", inline=True)
    embed.add_field(name="Reading time", value=f"about {card.reading_minutes} min", inline=True)
    if meta.content_notes:
        embed.add_field(name="Content notes", value=clip(f"||{meta.content_notes}||", FIELD_VALUE), inline=False)
    if meta.disclaimer:
        embed.add_field(name="Disclaimer", value=clip(meta.disclaimer, FIELD_VALUE), inline=False)
    if meta.feedback:
        embed.add_field(name="Feedback", value=clip(meta.feedback, FIELD_VALUE), inline=False)
    if card.previously:
        embed.add_field(name="Previously", value=clip(" ".join(card.previously), FIELD_VALUE), inline=False)
    embed.set_footer(text=f"/story {record.slug}")
    return fit(embed)


def story_card(record: StoryRecord, venue: Venue, *, words_per_minute: int) -> discord.Embed:
    """The card of ``record`` as shown at ``venue``."""
    shown = may_show_summary(record.rating, venue)
    return story_embed(StoryCard(record, venue, record.reading_minutes(words_per_minute), shown))


def rating_embed(info: RatingInfo) -> discord.Embed:
    record, rating = info.record, info.record.rating
    embed = discord.Embed(title=clip(f"Rating: {record.title}", 256), colour=RATING_COLOURS[rating.level])
    embed.add_field(name="Normalised", value=rating_text(record), inline=False)
    embed.add_field(name="As the author rated it", value=clip(rating.raw or "(not rated)", FIELD_VALUE), inline=True)
    if not rating.recognised:
        embed.add_field(name="Note", value="This rating is not a known scale, so it is treated as unrated.")
    notes = rating.notes()
    warnings = "\n".join(f"• ||{n}||" for n in notes) if notes else ", ".join(rating.warnings) or "None given"
    embed.add_field(name="Warnings", value=clip(warnings, FIELD_VALUE), inline=False)
    embed.add_field(name="Where it may be read", value=info.where, inline=False)
    here = clip(info.refusal, FIELD_VALUE) if info.refusal else "✅ It may be read here."
    embed.add_field(name="Here", value=here, inline=False)
    return fit(embed)


OWN_SHELF = "📗 "  # a story this server added with /import


def library_embed(result: LibraryPage) -> discord.Embed:
    embed = discord.Embed(title="Library", colour=discord.Colour.blurple())
    filters = result.filters
    if not result.records:
        embed.description = "No story matches." if filters else "The library is empty."
    else:
        embed.description = "\n".join(
            f"{OWN_SHELF if r.guild_id is not None else ''}**{clip(r.title, 80)}** · "
            f"{clip(r.meta.author or 'Unknown', 40)} · {r.rating.level.value} · {counted(r.words, 'word')}\n"
            f"`/story {r.slug}`"
            for r in result.records
        )
    total = result.total
    footer = f"Page {result.page + 1} of {max(1, result.pages)} · {counted(total, 'story', 'stories')}"
    if any(r.guild_id is not None for r in result.records):
        footer += f" · {OWN_SHELF.strip()} this server's own"
    embed.set_footer(text=clip(footer + (f" · {filters}" if filters else ""), 2048))
    return fit(embed)


def recap_embed(recap: Recap) -> discord.Embed:
    embed = discord.Embed(
        title=clip(f"Previously in {recap.record.title}", 256),
        description=clip(" ".join(recap.sentences) or "Too little has been read to recap.", 4000),
        colour=RATING_COLOURS[recap.record.rating.level],
    )
    embed.set_footer(text=f"{recap.installments_read} installments read here so far")
    return fit(embed)


def catchup_embeds(start: CatchupStart) -> list[discord.Embed]:
    if not start.previously:
        return []
    return fit_embeds(
        [
            discord.Embed(
                title=clip(f"Previously in {start.title}", 256), description=clip(" ".join(start.previously), 4000)
            )
        ]
    )


# Live readings ---------------------------------------------------------------------------------


def status_text(status: ReadingStatus) -> str:
    return clip(plain_status_text(status, bold), CONTENT)


def control_message(result: ControlResult) -> str:
    return clip(control_text(result, bold), CONTENT)


# Schedules -------------------------------------------------------------------------------------


def plan_embed(created: ScheduleCreated) -> discord.Embed:
    schedule, preview = created.schedule, created.plan
    embed = discord.Embed(title=clip(f"Scheduled: {created.title}", 256), colour=discord.Colour.green())
    embed.add_field(name="Where", value=f"<#{schedule.channel_id}>", inline=True)
    embed.add_field(name="When", value=f"{schedule.cadence.describe()} ({schedule.timezone})", inline=True)
    embed.add_field(name="Installments", value=f"{preview.installments} of about {schedule.minutes:g} min", inline=True)
    embed.add_field(name="First posts", value="\n".join(stamp(t) for t in preview.first) or "—", inline=False)
    embed.add_field(name="Ends", value=stamp(preview.last, "D"), inline=True)
    embed.add_field(name="If the bot is down", value=str(schedule.catch_up), inline=True)
    embed.set_footer(text=f"Schedule #{schedule.id} · /schedule status {schedule.id}")
    return fit(embed)


def schedule_embed(report: ScheduleReport, *, plan: bool = False) -> discord.Embed:
    """A schedule's status; with ``plan``, the next posts, the end and the catch-up policy too."""
    s = report.schedule
    colour = discord.Colour.red() if report.problem else discord.Colour.green()
    upcoming = report.upcoming
    waiting = waiting_text(report, stamp(upcoming[0]) if upcoming else "—", bold)
    embed = discord.Embed(
        title=clip(f"Schedule #{s.id}: {report.title}", 256),
        colour=colour,
        description=clip(waiting, 4000) if waiting else None,
    )
    embed.add_field(name="State", value=state_text(s), inline=True)
    embed.add_field(name="Progress", value=f"{min(s.next_installment - 1, s.total)} of {s.total} posted", inline=True)
    embed.add_field(name="Channel", value=f"<#{s.channel_id}>", inline=True)
    embed.add_field(name="Cadence", value=f"{s.cadence.describe()} ({s.timezone})", inline=True)
    embed.add_field(
        name="Next check" if waiting else "Next post", value=stamp(upcoming[0]) if upcoming else "—", inline=True
    )
    if report.problem:
        embed.add_field(name="What is wrong", value=clip(report.problem, FIELD_VALUE), inline=False)
    if plan:
        if upcoming and not waiting:  # while waiting, the one time is the next check: no posts are planned
            embed.add_field(name="Next posts", value="\n".join(stamp(t) for t in upcoming[:3]), inline=False)
            ends = "Ends (so far: a work in progress)" if report.in_progress else "Ends"
            embed.add_field(name=ends, value=stamp(upcoming[-1], "D"), inline=True)
        embed.add_field(name="If the bot is down", value=str(s.catch_up), inline=True)
    return fit(embed)


def schedule_list(lines: list[ScheduleLine]) -> str:
    rows = [
        f"**#{line.schedule.id}** {line.title} → <#{line.schedule.channel_id}> · {state_text(line.schedule)} · "
        f"{min(line.schedule.next_installment - 1, line.schedule.total)}/{line.schedule.total} · "
        f"next {stamp(line.schedule.next_due, 'R')}"
        for line in lines
    ]
    return clip("\n".join(rows), CONTENT) or "No schedules yet: `/schedule create`."


# Settings and responses ------------------------------------------------------------------------


def settings_text(settings: GuildSettings) -> str:
    role = f"<@&{settings.reader_role_id}>" if settings.reader_role_id else "everyone"
    return (
        f"**Highest rating allowed:** {settings.max_rating.value} ({settings.max_rating.label})\n"
        f"**Who may start live readings:** {role}\n"
        f"**Readings open in a new thread:** {'yes' if settings.open_threads else 'no'}\n"
        f"**Time zone:** {settings.timezone}"
    )


def settings_message(result: SettingsResult) -> str:
    return fit_content(("Settings saved.\n" if result.changed else "") + settings_text(result.settings)) or ""


def reactions_embed(report: ReactionsReport) -> discord.Embed:
    embed = discord.Embed(title=clip(f"Reactions: {report.record.title}", 256), colour=discord.Colour.blurple())
    embed.add_field(
        name="Totals", value=clip("  ".join(f"{e} {n}" for e, n in report.totals), FIELD_VALUE), inline=False
    )
    for top in report.top:
        embed.add_field(
            name=f"Installment {top.installment}: {top.total} reactions",
            value=clip(f"> {clip(top.quote, 120)}", FIELD_VALUE),
            inline=False,
        )
    embed.set_image(url="attachment://reactions.png")
    return fit(embed)

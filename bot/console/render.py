"""Plain text for the terminal, drawn from the same use-case results as the Discord embeds."""

from __future__ import annotations

from datetime import datetime

from bot.app.catchup import CatchupStart
from bot.app.pages import Page
from bot.app.responses import ReactionsReport
from bot.app.schedules import ScheduleCreated, ScheduleLine, ScheduleReport, state_text, waiting_text
from bot.app.settings import SettingsResult
from bot.app.stories import LibraryPage, RatingInfo, Recap, StoryCard
from bot.core.gating import where_readable
from bot.core.serials import Schedule
from bot.core.wording import counted
from bot.core.zones import time_zone


def plain(text: str) -> str:
    """A message written for Discord, without its bold markers: the terminal would show them as stars."""
    return text.replace("**", "")


def local_time(when: datetime | None, zone: str) -> str:
    if when is None:
        return "—"
    return when.astimezone(time_zone(zone)).strftime("%a %d %b %Y %H:%M")


def story_card(card: StoryCard) -> str:
    record, meta, rating = card.record, card.record.meta, card.record.rating
    raw = f' from "{rating.raw}"' if rating.raw and rating.raw != rating.level.value else ""
    chapters = counted(record.chapter_count, "chapter")
    lines = [
        f"══ {meta.title} ══",
        f"by {meta.author or 'Unknown'} · {meta.fandom or 'Original'}",
        f"Rating: {rating.level.value} ({rating.level.label}){raw}",
        f"Warnings: {', '.join(rating.warnings) or 'none given'}",
        f"{counted(record.words, 'word')} · {chapters} · about {card.reading_minutes} min",
    ]
    if not meta.summary:
        lines.append("Summary: (none)")
    elif card.summary_shown:
        lines.append(f"Summary: {meta.summary}")
    else:
        lines.append(f"Summary hidden: rated {rating.level.value}; start the console with --age-restricted to show it.")
    if meta.content_notes:
        lines.append(f"Content notes: {meta.content_notes}")
    for label, text in (("Disclaimer", meta.disclaimer), ("Feedback", meta.feedback)):
        if text:
            lines.append(f"{label}: {text}")
    if card.previously:
        lines.append(f"Previously: {' '.join(card.previously)}")
    return "\n".join(lines)


def rating_card(info: RatingInfo) -> str:
    record, rating = info.record, info.record.rating
    lines = [
        f"Rating of {record.title}: {rating.level.value} ({rating.level.label})",
        f"As the author rated it: {rating.raw or '(not rated)'}"
        + ("" if rating.recognised else " (not a known scale: treated as unrated)"),
        f"Warnings: {', '.join(rating.warnings) or 'none given'}",
        *(f"  • {note}" for note in rating.notes()),
        f"Where it may be read: {info.where or where_readable(rating)}",
        f"Here: {info.refusal or 'it may be read here.'}",
    ]
    return "\n".join(lines)


def library_page(page: LibraryPage) -> str:
    if not page.records:
        return "No story matches." if page.filters else "The library is empty."
    lines = [f"Library{' · ' + page.filters if page.filters else ''}"]
    for r in page.records:
        own = " (this server's own)" if r.guild_id is not None else ""
        lines.append(f"  {r.slug:<30} {r.rating.level.value:<2} {r.words:>8,} words  {r.title} · {r.meta.author}{own}")
    lines.append(f"Page {page.page + 1} of {page.pages} · {counted(page.total, 'story', 'stories')}")
    return "\n".join(lines)


def recap(result: Recap) -> str:
    text = " ".join(result.sentences) or "Too little has been read to recap."
    return (
        f"── Previously in {result.record.title} ──\n{text}\n"
        f"({result.installments_read} installment{'s' if result.installments_read != 1 else ''} read here so far)"
    )


def page(result: Page) -> str:
    return f"\n{result.text}\n\n— page {result.page + 1} of {result.pages} —"


def catchup(start: CatchupStart) -> str:
    head = f"Catching up on {start.title}"
    if start.previously:
        head += f"\nPreviously: {' '.join(start.previously)}"
    return head + "\n" + page(start.page)


def settings(result: SettingsResult) -> str:
    s = result.settings
    role = f"role {s.reader_role_id}" if s.reader_role_id else "everyone"
    lines = [
        "Settings saved." if result.changed else "Settings:",
        f"  Highest rating allowed: {s.max_rating.value} ({s.max_rating.label})",
        f"  Who may start live readings: {role}",
        f"  Readings open in a new thread: {'yes' if s.open_threads else 'no'}",
        f"  Time zone: {s.timezone}",
    ]
    return "\n".join(lines)


def progress(schedule: Schedule) -> str:
    return f"{schedule.posted}/{schedule.total} posted"


def schedule_created(created: ScheduleCreated) -> str:
    s, plan = created.schedule, created.plan
    firsts = ", ".join(local_time(t, s.timezone) for t in plan.first)
    return (
        f"Schedule #{s.id}: {created.title}, {s.cadence.describe()} ({s.timezone}), "
        f"{plan.installments} installment{'s' if plan.installments != 1 else ''} of about {s.minutes:g} min. "
        f"First posts: {firsts}. "
        f"Ends {local_time(plan.last, s.timezone)}. If the bot is down: {s.catch_up}."
    )


def schedule_lines(lines: list[ScheduleLine]) -> str:
    if not lines:
        return "No schedules yet: `/schedule create`."
    return "\n".join(
        f"#{line.schedule.id} {line.title}: {state_text(line.schedule)}, {progress(line.schedule)}, "
        f"next {local_time(line.schedule.next_due, line.schedule.timezone)}"
        for line in lines
    )


def schedule_report(report: ScheduleReport, *, plan: bool = False, prefix: str = "") -> str:
    s = report.schedule
    lines = [prefix] if prefix else []
    lines.append(f"#{s.id} {report.title}: {state_text(s)}, {progress(s)}, {s.cadence.describe()} ({s.timezone})")
    next_time = local_time(report.upcoming[0], s.timezone) if report.upcoming else "—"
    waiting = waiting_text(report, next_time)
    lines.append(waiting or f"Next post: {next_time}")
    if plan and report.upcoming:
        if not waiting:  # while waiting, the one time is the next check: no posts are planned
            lines.append("Next posts: " + ", ".join(local_time(t, s.timezone) for t in report.upcoming[:3]))
            so_far = " (so far: a work in progress)" if report.in_progress else ""
            lines.append(f"Ends: {local_time(report.upcoming[-1], s.timezone)}{so_far}")
        lines.append(f"If the bot is down: {s.catch_up}")
    if report.problem:
        lines.append(f"What is wrong: {report.problem}")
    return "\n".join(lines)


def reactions(report: ReactionsReport, chart_path: str | None = None) -> str:
    title = report.record.title
    if not report.per_installment:
        return f"No reactions to {title} in this server yet."
    lines = [f"Reactions: {title}", "Totals: " + "  ".join(f"{e} {n}" for e, n in report.totals)]
    for top in report.top:
        quote = top.quote if len(top.quote) <= 120 else top.quote[:119] + "…"
        lines.append(f"Installment {top.installment}: {top.total} reactions\n  > {quote}")
    lines.append(bar_chart(report))
    if chart_path:
        lines.append(f"Chart: {chart_path}")
    return "\n".join(lines)


def bar_chart(report: ReactionsReport, width: int = 40) -> str:
    """Reactions per installment as a bar of ``█`` per line, scaled to ``width``."""
    counts = {row.installment: row.total for row in report.per_installment}
    most = max(counts.values(), default=0) or 1
    size = max(report.installments, max(counts, default=0))
    digits = len(str(size))
    return "\n".join(
        f"  {n:>{digits}} {'█' * round(counts.get(n, 0) * width / most)} {counts.get(n, 0)}" for n in range(1, size + 1)
    )


def choices(options: list[str]) -> str:
    return "  ".join(f"[{n}] {label}" for n, label in enumerate(options, 1))

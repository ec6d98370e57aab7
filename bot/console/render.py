"""Plain-text cards for the terminal, drawn from the same data as the Discord embeds."""

from __future__ import annotations

from typing import Any

from bot.core.gating import Venue, may_show_summary, refusal, where_readable
from bot.core.models import StoryRecord


def story_card(record: StoryRecord, described: dict[str, Any], venue: Venue) -> str:
    d = described
    rating = record.rating
    raw = f' from "{d["rating_raw"]}"' if d["rating_raw"] and d["rating_raw"] != d["rating"] else ""
    lines = [
        f"══ {d['title']} ══",
        f"by {d['author'] or 'Unknown'} · {d['fandom'] or 'Original'}",
        f"Rating: {d['rating']} ({rating.level.label}){raw}",
        f"Warnings: {', '.join(d['warnings']) or 'none given'}",
        f"{d['words']:,} words · {d['chapters']} chapter{'s' if d['chapters'] != 1 else ''} · "
        f"about {d['reading_minutes']} min",
    ]
    if may_show_summary(rating, venue):
        lines.append(f"Summary: {d['summary'] or '(none)'}")
    else:
        lines.append(f"Summary hidden: rated {d['rating']}; start the console with --age-restricted to show it.")
    for key in ("disclaimer", "feedback"):
        if d[key]:
            lines.append(f"{key.capitalize()}: {d[key]}")
    return "\n".join(lines)


def rating_card(record: StoryRecord, venue: Venue) -> str:
    rating = record.rating
    lines = [
        f"Rating of {record.title}: {rating.level.value} ({rating.level.label})",
        f"As the author rated it: {rating.raw or '(not rated)'}"
        + ("" if rating.recognised else " (not a known scale: treated as unrated)"),
        f"Warnings: {', '.join(rating.warnings) or 'none given'}",
        *(f"  • {note}" for note in rating.notes()),
        f"Where it may be read: {where_readable(rating)}",
        f"Here: {refusal(rating, venue) or 'it may be read here.'}",
    ]
    return "\n".join(lines)


def choices(options: list[str]) -> str:
    return "  ".join(f"[{n}] {label}" for n, label in enumerate(options, 1))

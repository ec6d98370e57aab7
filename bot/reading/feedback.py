"""Readers' reactions and feedback per installment, gathered for the author."""

from __future__ import annotations

from typing import Any

from bot.core.models import StoryRecord
from bot.library.catalog import Catalog
from bot.store.responses import ResponseRepository


async def feedback_report(
    record: StoryRecord, catalog: Catalog, responses: ResponseRepository, *, removed: bool = False
) -> dict[str, Any]:
    """Every installment with its reactions (all servers) and feedback (attributed), in order.

    A ``removed`` story has no text left: its installments are the numbers readers responded to.
    """
    installments = [] if removed else await catalog.installments(record)
    reactions = {r.installment: r.counts for r in await responses.by_installment(record.id, None)}
    notes = await responses.feedback(record.id)
    shown: list[tuple[int, str, str]] = [
        (i.number, i.chapter_title, " ".join(i.messages[0].split()) if i.messages else "") for i in installments
    ]
    if removed:
        responded = set(reactions) | {n.installment for n in notes if n.installment is not None}
        shown = [(number, "", "") for number in sorted(responded)]
    rows = [
        {
            "number": number,
            "chapter": chapter,
            "opening": first[:160] + ("…" if len(first) > 160 else ""),
            "reactions": reactions.get(number, {}),
            "feedback": [_note(n) for n in notes if n.installment == number],
        }
        for number, chapter, first in shown
    ]
    return {
        "slug": record.slug,
        "title": record.title,
        "author": record.meta.author,
        "installments": rows,
        "removed": removed,
        "general_feedback": [_note(n) for n in notes if n.installment not in {row["number"] for row in rows}],
    }


def _note(note: Any) -> dict[str, Any]:
    return {"reader": note.user_name, "server": note.guild_id, "text": note.text, "at": note.created_at}


def as_markdown(report: dict[str, Any]) -> str:
    lines = [f"# Reader feedback: {report['title']}", f"by {report['author'] or 'unknown'}", ""]
    if report["removed"]:
        lines += ["*The story was removed from its server's shelf: its text is gone, what readers said is kept.*", ""]
    for row in report["installments"]:
        lines.append(f"## Installment {row['number']}" + (f": {row['chapter']}" if row["chapter"] else ""))
        if row["opening"]:
            lines.append(f"> {row['opening']}")
        reactions = "  ".join(f"{emoji} {n}" for emoji, n in row["reactions"].items())
        lines.append(f"Reactions: {reactions or 'none'}")
        for note in row["feedback"]:
            lines.append(f"- **{note['reader']}** (server {note['server']}): {note['text']}")
        lines.append("")
    if report["general_feedback"]:
        lines.append("## Other feedback")
        lines += [f"- **{n['reader']}** (server {n['server']}): {n['text']}" for n in report["general_feedback"]]
    return "\n".join(lines).rstrip() + "\n"

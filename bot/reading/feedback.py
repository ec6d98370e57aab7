"""Readers' reactions and feedback per installment, gathered for the author."""

from __future__ import annotations

from typing import Any

from bot.core.models import StoryRecord
from bot.library.catalog import Catalog
from bot.store.responses import ResponseRepository


async def feedback_report(record: StoryRecord, catalog: Catalog, responses: ResponseRepository) -> dict[str, Any]:
    """Every installment with its reactions (all servers) and feedback (attributed), in order."""
    installments = await catalog.installments(record)
    reactions = {r.installment: r.counts for r in await responses.by_installment(record.id, None)}
    notes = await responses.feedback(record.id)
    rows = []
    for installment in installments:
        first = " ".join(installment.messages[0].split()) if installment.messages else ""
        rows.append(
            {
                "number": installment.number,
                "chapter": installment.chapter_title,
                "opening": first[:160] + ("…" if len(first) > 160 else ""),
                "reactions": reactions.get(installment.number, {}),
                "feedback": [_note(n) for n in notes if n.installment == installment.number],
            }
        )
    return {
        "slug": record.slug,
        "title": record.title,
        "author": record.meta.author,
        "installments": rows,
        "general_feedback": [_note(n) for n in notes if n.installment is None or n.installment > len(installments)],
    }


def _note(note: Any) -> dict[str, Any]:
    return {"reader": note.user_name, "server": note.guild_id, "text": note.text, "at": note.created_at}


def as_markdown(report: dict[str, Any]) -> str:
    lines = [f"# Reader feedback: {report['title']}", f"by {report['author'] or 'unknown'}", ""]
    for row in report["installments"]:
        lines.append(f"## Installment {row['number']}: {row['chapter']}")
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

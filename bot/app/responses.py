"""Readers' responses: reactions on installments (/reactions) and feedback for the author (/feedback)."""

from __future__ import annotations

from dataclasses import dataclass

from bot.app.actor import Actor, require_guild
from bot.app.ports import ServicesPort
from bot.core.errors import InvalidOption, StoryRemoved
from bot.core.models import StoryRecord
from bot.reading.ports import Clock
from bot.store.responses import InstallmentReactions

FEEDBACK_MIN, FEEDBACK_MAX = 2, 2000


@dataclass(frozen=True, slots=True)
class TopInstallment:
    installment: int
    total: int
    quote: str  # the installment's first message, on one line


@dataclass(frozen=True, slots=True)
class ReactionsReport:
    """A server's reactions to a story; ``per_installment`` is empty when there are none yet."""

    record: StoryRecord
    per_installment: tuple[InstallmentReactions, ...]
    totals: tuple[tuple[str, int], ...]  # (emoji, count), most first
    top: tuple[TopInstallment, ...]  # the most-reacted installments, at most three
    installments: int  # how many installments the story has


@dataclass(frozen=True, slots=True)
class FeedbackForm:
    story_id: int
    title: str


class Responses:
    def __init__(self, services: ServicesPort, clock: Clock) -> None:
        self.catalog = services.catalog
        self.stories = services.stories
        self.responses = services.responses
        self.clock = clock

    async def reactions(self, actor: Actor, title: str) -> ReactionsReport:
        guild_id = require_guild(actor)
        record = await self.catalog.find(title, actor.guild_id)
        per_installment = await self.responses.by_installment(record.id, guild_id)
        if not per_installment:
            return ReactionsReport(record, (), (), (), 0)
        installments = await self.catalog.installments(record)
        totals: dict[str, int] = {}
        for row in per_installment:
            for emoji, n in row.counts.items():
                totals[emoji] = totals.get(emoji, 0) + n
        top = []
        for row in sorted(per_installment, key=lambda r: (-r.total, r.installment))[:3]:
            quote = installments[row.installment - 1].messages[0] if row.installment <= len(installments) else ""
            top.append(TopInstallment(row.installment, row.total, " ".join(quote.split())))
        ordered = tuple(sorted(totals.items(), key=lambda t: -t[1]))
        return ReactionsReport(record, tuple(per_installment), ordered, tuple(top), len(installments))

    async def feedback_form(self, actor: Actor, title: str) -> FeedbackForm:
        record = await self.catalog.find(title, actor.guild_id)
        return FeedbackForm(record.id, record.title)

    async def submit_feedback(self, actor: Actor, story_id: int, text: str) -> None:
        """Saved with the story, the server, the reader and the installment this channel is at."""
        if not FEEDBACK_MIN <= len(text.strip()) <= FEEDBACK_MAX:
            raise InvalidOption(f"Feedback is {FEEDBACK_MIN} to {FEEDBACK_MAX} characters long.")
        if await self.stories.by_id(story_id) is None:
            raise StoryRemoved()
        installment = await self.responses.last_installment(actor.channel_id, story_id)
        await self.responses.add_feedback(
            story_id=story_id,
            guild_id=actor.guild_id,
            user_id=actor.user_id,
            user_name=actor.name,
            installment=installment,
            text=text,
            now=self.clock.now(),
        )

    async def react(self, message_id: int, user_id: int, emoji: str) -> None:
        """A reaction on any message; only installments count (raw events: old messages too)."""
        await self.responses.react(message_id, user_id, emoji, self.clock.now())

    async def unreact(self, message_id: int, user_id: int, emoji: str) -> None:
        await self.responses.unreact(message_id, user_id, emoji)

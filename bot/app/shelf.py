"""A server's own shelf: /import from an attachment or a link, and /remove.

A story imported in a server belongs to that server: only it sees the story, and there
the story wins over a shared one with the same slug. Importing a file of the same name and
title, or the same link, again updates the story in place (same slug, same readings); the same
content already on the shelf or in the shared library is reported, not added twice. The saving itself is
:mod:`bot.app.intake`'s, which the operator's command line shares.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.app.actor import Actor, require_admin
from bot.app.intake import Intake, Outcome, Progress, Saved, megabytes, safe_filename
from bot.app.ports import ServicesPort, ShelfLimits
from bot.app.stories import Stories, StoryCard
from bot.core.errors import InvalidOption, NotAllowed, StoryNotFound
from bot.core.models import StoryRecord
from bot.core.wording import counted
from bot.reading.ports import Clock
from bot.reading.readings import Readings
from bot.store.shelves import ShelfUsage

__all__ = ["Imported", "Outcome", "Removed", "Shelf", "imported_text", "removed_text", "safe_filename"]


@dataclass(frozen=True, slots=True)
class Imported:
    outcome: str
    card: StoryCard
    installments: int  # at the server's pace
    minutes: float  # that pace: reading minutes per installment
    notices: tuple[str, ...]
    usage: ShelfUsage
    limits: ShelfLimits

    @property
    def record(self) -> StoryRecord:
        return self.card.record


@dataclass(frozen=True, slots=True)
class Removed:
    title: str
    readings_ended: int
    serials_ended: int


class Shelf:
    def __init__(self, services: ServicesPort, stories: Stories, readings: Readings, clock: Clock) -> None:
        self.catalog = services.catalog
        self.repository = services.stories
        self.shelves = services.shelves
        self.intake = Intake(services, clock)
        self.stories = stories
        self.readings = readings
        self.clock = clock

    def check_request(self, actor: Actor, *, file: tuple[str, int] | None, url: str | None) -> None:
        """/import's refusals that need nothing downloaded: who asks, one source, and an attachment's
        declared size (Discord says it before a byte is fetched)."""
        require_admin(actor)
        if (file is None) == (url is None):
            raise InvalidOption("Give `/import` one of `file` (an attached story file) or `url` (a story's page).")
        if file is not None:
            name, size = file
            self.intake.check_file(safe_filename(name), size)

    async def import_file(self, actor: Actor, filename: str, data: bytes, *, rating: str | None = None) -> Imported:
        """/import file: a story file attached in Discord (or a path in the console).

        ``rating`` is the admin's rating for a file that gives none (a file's own rating stands).
        """
        guild_id = require_admin(actor)
        return await self._imported(actor, await self.intake.file(guild_id, filename, data, rating=rating))

    async def import_link(
        self, actor: Actor, url: str, progress: Progress | None = None, *, rating: str | None = None
    ) -> Imported:
        """/import url: a story page on a site FanFicFare knows, fetched in its own process."""
        guild_id = require_admin(actor)
        return await self._imported(actor, await self.intake.link(guild_id, url, progress, rating=rating))

    async def remove(self, actor: Actor, title: str) -> Removed:
        """/remove story: take a story this server imported off its shelf; its readings end with a notice."""
        guild_id = require_admin(actor)
        # Only an exact slug or title: a removal cannot be undone, so no "closest match" here.
        record = await self.shelves.own_named(guild_id, title)
        if record is None:
            seen = await self.repository.by_slug(title, guild_id=guild_id)
            if seen is not None and seen.guild_id is None:
                raise NotAllowed(
                    f"**{seen.title}** is in the shared library, which only the bot's operator changes. "
                    "`/remove` takes stories this server added with `/import`."
                )
            raise StoryNotFound(title, [slug for slug, _ in await self.shelves.own(guild_id, title, limit=3)])
        if not await self.shelves.remove(record.id, self.clock.now()):
            raise NotAllowed(f"**{record.title}** was removed already.")
        gone = f"📕 **{record.title}** was removed from this server's shelf, so"
        readings = await self.readings.live.end_for_story(guild_id, record.id, f"{gone} this reading has ended.")
        serials = await self.readings.serials.end_for_story(guild_id, record.id, f"{gone} this serial has ended.")
        return Removed(record.title, readings, serials)

    async def own(self, actor: Actor, typed: str) -> list[tuple[str, str]]:
        """(slug, title) of this server's own stories matching what is typed: /remove's autocomplete."""
        if actor.guild_id is None:
            return []
        return await self.shelves.own(actor.guild_id, typed)

    async def _imported(self, actor: Actor, saved: Saved) -> Imported:
        minutes = self.catalog.installment_minutes
        installments = len(await self.catalog.installments(saved.record, minutes))
        card = await self.stories.card(actor, saved.record)
        usage = await self.shelves.usage(actor.guild_id or 0)
        return Imported(saved.outcome, card, installments, minutes, saved.notices, usage, self.intake.limits)


_HEADLINES = {
    Outcome.ADDED: "📗 Added {title} to this server's shelf.",
    Outcome.UPDATED: "📗 Updated {title} on this server's shelf: same slug, its readings carry on.",
    Outcome.UNCHANGED: "{title} is on this server's shelf already, unchanged since the last import.",
    Outcome.ALREADY: "{title} has exactly this content already ({where}): nothing was added.",
}


def imported_text(imported: Imported, strong: Callable[[str], str] = str) -> str:
    """What /import says above the story card, in the words both front ends use."""
    record = imported.record
    where = "in the shared library" if record.guild_id is None else "on this server's shelf"
    lines = [_HEADLINES[imported.outcome].format(title=strong(record.title), where=where)]
    pace = f"{imported.minutes:g} reading minutes each"
    lines.append(f"{counted(imported.installments, 'installment')} at {pace}.")
    if record.meta.in_progress:
        lines.append(
            "A work in progress: `/import` the same link again for new chapters (the bot's operator can "
            "refresh every link with `python -m bot update`)."
        )
    lines.extend(f"Note: {notice}" for notice in imported.notices[:3])
    usage, limits = imported.usage, imported.limits
    room = f"{megabytes(usage.bytes)} of {megabytes(limits.max_bytes)}"
    lines.append(f"Shelf: {usage.stories} of {limits.max_stories} stories, {room}.")
    return "\n".join(lines)


def removed_text(removed: Removed, strong: Callable[[str], str] = str) -> str:
    ended = []
    if removed.readings_ended:
        ended.append(counted(removed.readings_ended, "live reading"))
    if removed.serials_ended:
        ended.append(counted(removed.serials_ended, "serial"))
    tail = f" Ended {' and '.join(ended)}, with a notice in the channel." if ended else ""
    return (
        f"📕 Removed {strong(removed.title)} from this server's shelf.{tail} "
        "Its reactions and feedback stay for the author's export."
    )

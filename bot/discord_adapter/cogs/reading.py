"""/story, /summary, /rating and /reading: reading stories into channels, or privately."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import NoReading, NotAllowed, StorytellerError
from bot.core.gating import check, may_show_summary
from bot.core.models import StoryRecord
from bot.core.pacing import reading_script
from bot.core.recap import recap as recap_of
from bot.core.states import Control
from bot.discord_adapter.components import live_controls, page_controls
from bot.discord_adapter.render import RATING_COLOURS, clip, fit, rating_card, status_text, story_card
from bot.discord_adapter.tree import respond
from bot.reading.recaps import channel_so_far

if TYPE_CHECKING:
    from bot.discord_adapter.client import StoryBot

Interaction = discord.Interaction["StoryBot"]


async def story_autocomplete(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
    """Suggestions over titles, authors and fandoms; a useful list before anything is typed."""
    catalog = interaction.client.services.catalog
    choices = []
    for slug, title in await catalog.complete(current):
        name = title if len(title) <= 100 else title[:99] + "…"
        choices.append(app_commands.Choice(name=name, value=slug[:100]))
    return choices


def may_steer(interaction: Interaction, started_by: int) -> bool:
    """The reader who started a reading, or anyone who can manage messages there."""
    if interaction.user.id == started_by:
        return True
    perms = getattr(interaction, "permissions", None)
    return bool(perms and (perms.manage_messages or perms.manage_guild))


async def apply_control(interaction: Interaction, channel_id: int, action: Control) -> None:
    """A live-reading button or ``/reading`` subcommand, with the same rules either way."""
    bot = interaction.client
    row = await bot.services.live_readings.get(channel_id)
    if row is None:
        raise NoReading()
    if not may_steer(interaction, row.started_by):
        raise NotAllowed(f"Only <@{row.started_by}> or members with Manage Messages can steer this reading.")
    status = await bot.live.control(channel_id, action)
    message = "⏹️ Reading stopped." if status is None else status_text(status)
    await respond(interaction, message, ephemeral=action is not Control.STOP)


async def story_page(interaction: Interaction, story_id: int, page: int) -> tuple[str, discord.ui.View]:
    """A page of a private reading, remembering where the reader is."""
    bot = interaction.client
    record = await bot.services.stories.by_id(story_id)
    if record is None:
        raise StorytellerError("That story is no longer in the library.")
    check(record.rating, await bot.live.venue(interaction.channel_id or 0))
    pages = [p.text for p in reading_script(await bot.services.catalog.installments(record))]
    page = max(0, min(page, len(pages) - 1))
    await bot.services.progress.set_page(interaction.user.id, story_id, page, bot.clock.now())
    return pages[page], page_controls("page", story_id, page, len(pages))


class Reading(commands.Cog):
    def __init__(self, bot: StoryBot) -> None:
        self.bot = bot

    async def _find(self, title: str) -> StoryRecord:
        return await self.bot.services.catalog.find(title)

    @app_commands.command(name="story")
    @app_commands.describe(
        title="Title, author or fandom: pick a suggestion, or type a slug",
        private="Read it to yourself only, page by page (remembers where you stopped)",
    )
    @app_commands.autocomplete(title=story_autocomplete)
    async def story(self, interaction: Interaction, title: str, private: bool = False) -> None:
        """Read a story: its card, then the story itself at a human pace."""
        record = await self._find(title)
        channel_id = interaction.channel_id or 0
        venue = await self.bot.live.venue(channel_id)
        check(record.rating, venue)
        card = story_card(record, venue, words_per_minute=self.bot.settings.words_per_minute)
        if private:
            await self._read_privately(interaction, record, card)
            return
        await self._check_may_start(interaction)
        await self.bot.live.ensure_free(channel_id)
        settings = await self.bot.services.guilds.get(interaction.guild_id) if interaction.guild_id else None
        open_thread = bool(settings and settings.open_threads and isinstance(interaction.channel, discord.TextChannel))
        target = channel_id
        if open_thread:  # the controls go on once the thread they steer exists
            await interaction.response.send_message(embed=card)
        else:
            await interaction.response.send_message(embed=card, view=live_controls(channel_id))
        card_message = await interaction.original_response()
        if open_thread:
            thread = await card_message.create_thread(name=record.title[:100])
            target = thread.id
            await card_message.edit(view=live_controls(target))
        await self.bot.live.start(
            channel_id=target,
            guild_id=interaction.guild_id,
            record=record,
            user_id=interaction.user.id,
            card_message_id=card_message.id,
        )

    async def _check_may_start(self, interaction: Interaction) -> None:
        if interaction.guild_id is None or not isinstance(interaction.user, discord.Member):
            return
        settings = await self.bot.services.guilds.get(interaction.guild_id)
        if settings.reader_role_id is None or interaction.user.guild_permissions.manage_guild:
            return
        if not any(role.id == settings.reader_role_id for role in interaction.user.roles):
            raise NotAllowed(
                f"Only members with <@&{settings.reader_role_id}> may start live readings here. "
                "You can still read privately with `private: True`."
            )

    async def _read_privately(self, interaction: Interaction, record: StoryRecord, card: discord.Embed) -> None:
        page = await self.bot.services.progress.page(interaction.user.id, record.id)
        content, view = await story_page(interaction, record.id, page)
        if page:
            card.add_field(name="Welcome back", value=f"You stopped at page {page + 1}.", inline=False)
        await interaction.response.send_message(content=content, embed=card, view=view, ephemeral=True)

    @app_commands.command(name="summary")
    @app_commands.describe(title="Title, author or fandom")
    @app_commands.autocomplete(title=story_autocomplete)
    async def summary(self, interaction: Interaction, title: str) -> None:
        """Show a story's card with the author's summary, and what this channel has read so far."""
        record = await self._find(title)
        venue = await self.bot.live.venue(interaction.channel_id or 0)
        card = story_card(record, venue, words_per_minute=self.bot.settings.words_per_minute)
        so_far = await channel_so_far(self.bot.live, self.bot.serials, interaction.channel_id or 0)
        if so_far is not None and so_far.record.id == record.id and may_show_summary(record.rating, venue):
            previously = recap_of(so_far.texts())
            if previously:
                card.add_field(name="Previously", value=clip(" ".join(previously), 1024), inline=False)
        await respond(interaction, embed=fit(card))

    @app_commands.command(name="recap")
    @app_commands.describe(installments="Only the last N installments (default: everything read here so far)")
    async def recap(
        self, interaction: Interaction, installments: app_commands.Range[int, 1, 1000] | None = None
    ) -> None:
        """What this channel's story has told so far, with no spoilers past the last post."""
        venue = await self.bot.live.venue(interaction.channel_id or 0)
        so_far = await channel_so_far(self.bot.live, self.bot.serials, interaction.channel_id or 0)
        if so_far is None or not so_far.installments:
            raise StorytellerError("Nothing has been read in this channel yet, so there is nothing to recap.")
        check(so_far.record.rating, venue)
        previously = recap_of(so_far.texts(installments))
        embed = discord.Embed(
            title=clip(f"Previously in {so_far.record.title}", 256),
            description=clip(" ".join(previously) or "Too little has been read to recap.", 4000),
            colour=RATING_COLOURS[so_far.record.rating.level],
        )
        embed.set_footer(text=f"{len(so_far.installments)} installments read here so far")
        await respond(interaction, embed=embed)

    @app_commands.command(name="rating")
    @app_commands.describe(title="Title, author or fandom")
    @app_commands.autocomplete(title=story_autocomplete)
    async def rating(self, interaction: Interaction, title: str) -> None:
        """Show a story's rating and warnings, what they mean, and where it may be read."""
        record = await self._find(title)
        venue = await self.bot.live.venue(interaction.channel_id or 0)
        await respond(interaction, embed=rating_card(record, venue), ephemeral=True)

    reading = app_commands.Group(name="reading", description="Steer the live reading in this channel")

    @reading.command(name="pause")
    async def reading_pause(self, interaction: Interaction) -> None:
        """Pause the live reading in this channel."""
        await apply_control(interaction, interaction.channel_id or 0, Control.PAUSE)

    @reading.command(name="resume")
    async def reading_resume(self, interaction: Interaction) -> None:
        """Resume the paused reading in this channel."""
        await apply_control(interaction, interaction.channel_id or 0, Control.RESUME)

    @reading.command(name="stop")
    async def reading_stop(self, interaction: Interaction) -> None:
        """Stop the live reading in this channel."""
        await apply_control(interaction, interaction.channel_id or 0, Control.STOP)

    @reading.command(name="status")
    async def reading_status(self, interaction: Interaction) -> None:
        """What is being read here, how far it has got, and why it waits if it does."""
        status = await self.bot.live.status(interaction.channel_id or 0)
        await respond(interaction, status_text(status), ephemeral=True)


async def setup(bot: StoryBot) -> None:
    await bot.add_cog(Reading(bot))

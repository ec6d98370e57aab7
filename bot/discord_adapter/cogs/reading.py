"""/story, /summary, /rating, /recap and /reading: reading stories into channels, or privately."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.states import Control
from bot.discord_adapter.components import live_controls, page_controls
from bot.discord_adapter.context import actor_of, respond
from bot.discord_adapter.limits import THREAD_NAME, clip, fitted
from bot.discord_adapter.options import story_autocomplete
from bot.discord_adapter.render import control_message, rating_embed, recap_embed, status_text, story_embed

if TYPE_CHECKING:
    from bot.discord_adapter.client import StoryBot

Interaction = discord.Interaction["StoryBot"]


class Reading(commands.Cog):
    def __init__(self, bot: StoryBot) -> None:
        self.bot = bot
        self.app = bot.app

    @app_commands.command(name="story")
    @app_commands.describe(
        title="Title, author or fandom: pick a suggestion, or type a slug",
        private="Read it to yourself only, page by page (remembers where you stopped)",
    )
    @app_commands.autocomplete(title=fitted(story_autocomplete))
    async def story(self, interaction: Interaction, title: str, private: bool = False) -> None:
        """Read a story: its card, then the story itself at a human pace."""
        actor = actor_of(interaction)
        if private:
            opened = await self.app.private.open(actor, title)
            card = story_embed(opened.card)
            if opened.welcome_back is not None:
                card.add_field(
                    name="Welcome back", value=f"You stopped at page {opened.welcome_back + 1}.", inline=False
                )
            await respond(interaction, opened.page.text, embed=card, view=page_controls(opened.page), ephemeral=True)
            return
        prepared = await self.app.readings.prepare(actor, title)
        card = story_embed(prepared.card)
        open_thread = prepared.open_thread and isinstance(interaction.channel, discord.TextChannel)
        target = actor.channel_id
        if open_thread:  # the controls go on once the thread they steer exists
            await respond(interaction, embed=card)
        else:
            await respond(interaction, embed=card, view=live_controls(target))
        card_message = await interaction.original_response()
        if open_thread:
            thread = await card_message.create_thread(name=clip(prepared.card.record.title, THREAD_NAME) or "Reading")
            target = thread.id
            await card_message.edit(view=live_controls(target))
        await self.app.readings.start(actor, prepared, channel_id=target, card_message_id=card_message.id)

    @app_commands.command(name="summary")
    @app_commands.describe(title="Title, author or fandom")
    @app_commands.autocomplete(title=fitted(story_autocomplete))
    async def summary(self, interaction: Interaction, title: str) -> None:
        """Show a story's card with the author's summary, and what this channel has read so far."""
        card = await self.app.stories.summary(actor_of(interaction), title)
        await respond(interaction, embed=story_embed(card))

    @app_commands.command(name="recap")
    @app_commands.describe(installments="Only the last N installments (default: everything read here so far)")
    async def recap(
        self, interaction: Interaction, installments: app_commands.Range[int, 1, 1000] | None = None
    ) -> None:
        """What this channel's story has told so far, with no spoilers past the last post."""
        recap = await self.app.stories.recap(actor_of(interaction), installments)
        await respond(interaction, embed=recap_embed(recap))

    @app_commands.command(name="rating")
    @app_commands.describe(title="Title, author or fandom")
    @app_commands.autocomplete(title=fitted(story_autocomplete))
    async def rating(self, interaction: Interaction, title: str) -> None:
        """Show a story's rating and warnings, what they mean, and where it may be read."""
        info = await self.app.stories.rating(actor_of(interaction), title)
        await respond(interaction, embed=rating_embed(info), ephemeral=True)

    reading = app_commands.Group(name="reading", description="Steer the live reading in this channel")

    async def _control(self, interaction: Interaction, action: Control) -> None:
        actor = actor_of(interaction)
        result = await self.app.readings.control(actor, actor.channel_id, action)
        await respond(interaction, control_message(result), ephemeral=not result.stopped)

    @reading.command(name="pause")
    async def reading_pause(self, interaction: Interaction) -> None:
        """Pause the live reading in this channel."""
        await self._control(interaction, Control.PAUSE)

    @reading.command(name="resume")
    async def reading_resume(self, interaction: Interaction) -> None:
        """Resume the paused reading in this channel."""
        await self._control(interaction, Control.RESUME)

    @reading.command(name="stop")
    async def reading_stop(self, interaction: Interaction) -> None:
        """Stop the live reading in this channel."""
        await self._control(interaction, Control.STOP)

    @reading.command(name="status")
    async def reading_status(self, interaction: Interaction) -> None:
        """What is being read here, how far it has got, and why it waits if it does."""
        status = await self.app.readings.status(actor_of(interaction))
        await respond(interaction, status_text(status), ephemeral=True)


async def setup(bot: StoryBot) -> None:
    await bot.add_cog(Reading(bot))

"""Reader responses: reactions on installments (/reactions) and feedback for the author (/feedback)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.chart import reactions_chart_async
from bot.discord_adapter.components import FeedbackModal
from bot.discord_adapter.context import actor_of, respond
from bot.discord_adapter.limits import fit_modal, fitted
from bot.discord_adapter.options import story_autocomplete
from bot.discord_adapter.render import reactions_embed

if TYPE_CHECKING:
    from bot.discord_adapter.client import StoryBot

Interaction = discord.Interaction["StoryBot"]


class Responses(commands.Cog):
    def __init__(self, bot: StoryBot) -> None:
        self.bot = bot
        self.app = bot.app

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        # Raw events fire whether or not the message is cached: installments from before a restart count.
        if self.bot.user is None or payload.user_id == self.bot.user.id:
            return
        await self.app.responses.react(payload.message_id, payload.user_id, str(payload.emoji))

    @commands.Cog.listener()
    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        await self.app.responses.unreact(payload.message_id, payload.user_id, str(payload.emoji))

    @app_commands.command(name="reactions")
    @app_commands.guild_only()
    @app_commands.describe(title="Title, author or fandom")
    @app_commands.autocomplete(title=fitted(story_autocomplete))
    async def reactions(self, interaction: Interaction, title: str) -> None:
        """How this server reacted to a story: totals, the most-reacted installments, a chart."""
        report = await self.app.responses.reactions(actor_of(interaction), title)
        if not report.per_installment:
            message = f"No reactions to **{report.record.title}** in this server yet."
            await respond(interaction, message, ephemeral=True)
            return
        await interaction.response.defer(thinking=True)  # drawing the chart can take a moment
        png = await reactions_chart_async(
            report.record.title, list(report.per_installment), report.installments, fallback=report.record.slug
        )
        await respond(interaction, embed=reactions_embed(report), file=discord.File(io.BytesIO(png), "reactions.png"))

    @app_commands.command(name="feedback")
    @app_commands.describe(title="Title, author or fandom")
    @app_commands.autocomplete(title=fitted(story_autocomplete))
    async def feedback(self, interaction: Interaction, title: str) -> None:
        """Leave feedback for a story's author."""
        form = await self.app.responses.feedback_form(actor_of(interaction), title)
        await interaction.response.send_modal(fit_modal(FeedbackModal(form.story_id, form.title)))


async def setup(bot: StoryBot) -> None:
    await bot.add_cog(Responses(bot))

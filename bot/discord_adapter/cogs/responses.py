"""Reader responses: reactions on installments (/reactions) and feedback for the author (/feedback)."""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.discord_adapter.chart import reactions_chart
from bot.discord_adapter.cogs.reading import story_autocomplete
from bot.discord_adapter.render import clip
from bot.discord_adapter.tree import respond

if TYPE_CHECKING:
    from bot.discord_adapter.client import StoryBot

Interaction = discord.Interaction["StoryBot"]


class FeedbackModal(discord.ui.Modal, title="Feedback for the author"):
    text: discord.ui.TextInput[FeedbackModal] = discord.ui.TextInput(
        label="Your feedback",
        style=discord.TextStyle.paragraph,
        min_length=2,
        max_length=2000,
        custom_id="feedback_text",
    )

    def __init__(self, story_id: int, title: str) -> None:
        super().__init__(title=clip(f"Feedback: {title}", 45))
        self.story_id = story_id

    async def on_submit(self, interaction: Interaction) -> None:  # type: ignore[override]
        bot = interaction.client
        installment = await bot.services.responses.last_installment(interaction.channel_id or 0, self.story_id)
        await bot.services.responses.add_feedback(
            story_id=self.story_id,
            guild_id=interaction.guild_id,
            user_id=interaction.user.id,
            user_name=interaction.user.display_name,
            installment=installment,
            text=self.text.value,
            now=bot.clock.now(),
        )
        await interaction.response.send_message("Thank you: your feedback is saved for the author.", ephemeral=True)


class Responses(commands.Cog):
    def __init__(self, bot: StoryBot) -> None:
        self.bot = bot

    @commands.Cog.listener()
    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        # Raw events fire whether or not the message is cached: installments from before a restart count.
        if self.bot.user is None or payload.user_id == self.bot.user.id:
            return
        await self.bot.services.responses.react(
            payload.message_id, payload.user_id, str(payload.emoji), self.bot.clock.now()
        )

    @commands.Cog.listener()
    async def on_raw_reaction_remove(self, payload: discord.RawReactionActionEvent) -> None:
        await self.bot.services.responses.unreact(payload.message_id, payload.user_id, str(payload.emoji))

    @app_commands.command(name="reactions")
    @app_commands.guild_only()
    @app_commands.describe(title="Title, author or fandom")
    @app_commands.autocomplete(title=story_autocomplete)
    async def reactions(self, interaction: Interaction, title: str) -> None:
        """How this server reacted to a story: totals, the most-reacted installments, a chart."""
        record = await self.bot.services.catalog.find(title)
        per_installment = await self.bot.services.responses.by_installment(record.id, interaction.guild_id)
        if not per_installment:
            await respond(interaction, f"No reactions to **{record.title}** in this server yet.", ephemeral=True)
            return
        await interaction.response.defer(thinking=True)  # drawing the chart can take a moment
        installments = await self.bot.services.catalog.installments(record)
        totals: dict[str, int] = {}
        for row in per_installment:
            for emoji, n in row.counts.items():
                totals[emoji] = totals.get(emoji, 0) + n
        embed = discord.Embed(title=clip(f"Reactions: {record.title}", 256), colour=discord.Colour.blurple())
        embed.add_field(
            name="Totals",
            value=clip("  ".join(f"{e} {n}" for e, n in sorted(totals.items(), key=lambda t: -t[1])), 1024),
            inline=False,
        )
        top = sorted(per_installment, key=lambda r: (-r.total, r.installment))[:3]
        for row in top:
            quote = installments[row.installment - 1].messages[0] if row.installment <= len(installments) else ""
            embed.add_field(
                name=f"Installment {row.installment}: {row.total} reactions",
                value=clip(f"> {clip(' '.join(quote.split()), 120)}", 1024),
                inline=False,
            )
        png = reactions_chart(record.title, per_installment, len(installments))
        embed.set_image(url="attachment://reactions.png")
        await interaction.followup.send(embed=embed, file=discord.File(io.BytesIO(png), "reactions.png"))

    @app_commands.command(name="feedback")
    @app_commands.describe(title="Title, author or fandom")
    @app_commands.autocomplete(title=story_autocomplete)
    async def feedback(self, interaction: Interaction, title: str) -> None:
        """Leave feedback for a story's author."""
        record = await self.bot.services.catalog.find(title)
        await interaction.response.send_modal(FeedbackModal(record.id, record.title))


async def setup(bot: StoryBot) -> None:
    await bot.add_cog(Responses(bot))

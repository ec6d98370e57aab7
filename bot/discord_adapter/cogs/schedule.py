"""/schedule: serial readings released into a channel on a cadence (Manage Server)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.app.schedules import ScheduleChange, ScheduleReport, ScheduleRequest
from bot.core.states import CatchUp, ThreadMode
from bot.discord_adapter.context import actor_of, respond
from bot.discord_adapter.limits import fitted
from bot.discord_adapter.options import (
    CATCH_UP_CHOICES,
    THREAD_CHOICES,
    schedule_autocomplete,
    story_autocomplete,
    timezone_autocomplete,
)
from bot.discord_adapter.render import plan_embed, schedule_embed, schedule_list

if TYPE_CHECKING:
    from bot.discord_adapter.client import StoryBot

Interaction = discord.Interaction["StoryBot"]


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Schedules(commands.GroupCog, group_name="schedule"):
    """Serial readings: release a story installment by installment on a schedule."""

    def __init__(self, bot: StoryBot) -> None:
        self.bot = bot
        self.app = bot.app
        super().__init__()

    async def interaction_check(self, interaction: Interaction) -> bool:  # type: ignore[override]
        # Default permissions only hide the group; subcommands are checked here, every time
        # (and again by the use cases, which every front end shares).
        perms = getattr(interaction, "permissions", None)
        if interaction.guild_id is None or not (perms and perms.manage_guild):
            raise app_commands.MissingPermissions(["manage_guild"])
        return True

    @app_commands.command(name="create")
    @app_commands.describe(
        story="The story to release",
        channel="Where installments are posted",
        start="First day, YYYY-MM-DD (default: today)",
        every="daily, weekdays, weekly, friday, 6 hours, or cron",
        at="Local time of day, e.g. 20:00",
        timezone="IANA time zone (default: the server's)",
        minutes="Reading minutes per installment",
        catch_up="What to do after the bot was down",
        role="A role to mention on each release",
        thread="Post in the channel, in one thread for the whole story, or a new thread per installment",
        more="Add a More! button: this many readers pressing it release the next installment early",
    )
    @app_commands.choices(catch_up=CATCH_UP_CHOICES, thread=THREAD_CHOICES)
    @app_commands.autocomplete(story=fitted(story_autocomplete), timezone=fitted(timezone_autocomplete))
    async def create(
        self,
        interaction: Interaction,
        story: str,
        channel: discord.TextChannel,
        start: str | None = None,
        every: str = "daily",
        at: str = "20:00",
        timezone: str | None = None,
        minutes: app_commands.Range[float, 0.5, 120.0] | None = None,
        catch_up: str = CatchUp.SHIFT.value,
        role: discord.Role | None = None,
        thread: str = ThreadMode.NONE.value,
        more: app_commands.Range[int, 1, 1000] | None = None,
    ) -> None:
        """Schedule a story into a channel, installment by installment."""
        if thread == ThreadMode.SINGLE:  # opening the thread posts to Discord first: answer within the 3 s deadline
            await interaction.response.defer(ephemeral=True, thinking=True)
        request = ScheduleRequest(
            story=story,
            channel_id=channel.id,
            start=start,
            every=every,
            at=at,
            timezone=timezone,
            minutes=minutes,
            catch_up=catch_up,
            role_id=role.id if role else None,
            thread=thread,
            more=more,
        )
        created = await self.app.schedules.create(actor_of(interaction), request)
        await respond(interaction, embed=plan_embed(created), ephemeral=True)

    @app_commands.command(name="list")
    async def list_(self, interaction: Interaction) -> None:
        """The schedules in this server."""
        lines = await self.app.schedules.list(actor_of(interaction))
        await respond(interaction, schedule_list(lines), ephemeral=True)

    async def _show(self, interaction: Interaction, report: ScheduleReport, prefix: str | None = None) -> None:
        await respond(interaction, prefix, embed=schedule_embed(report), ephemeral=True)

    @app_commands.command(name="status")
    @app_commands.autocomplete(schedule=fitted(schedule_autocomplete))
    async def status(self, interaction: Interaction, schedule: int) -> None:
        """When the next post is, and what is wrong if anything is."""
        await self._show(interaction, await self.app.schedules.status(actor_of(interaction), schedule))

    @app_commands.command(name="show")
    @app_commands.autocomplete(schedule=fitted(schedule_autocomplete))
    async def show(self, interaction: Interaction, schedule: int) -> None:
        """A schedule's plan: cadence, progress, the next posts and when it ends."""
        report = await self.app.schedules.show(actor_of(interaction), schedule)
        await respond(interaction, embed=schedule_embed(report, plan=True), ephemeral=True)

    @app_commands.command(name="edit")
    @app_commands.describe(
        every="daily, weekdays, weekly, friday, 6 hours, or cron",
        at="Local time of day, e.g. 20:00",
        timezone="IANA time zone",
        catch_up="What to do after the bot was down",
        role="A role to mention on each release",
        no_role="Stop mentioning a role",
    )
    @app_commands.choices(catch_up=CATCH_UP_CHOICES)
    @app_commands.autocomplete(schedule=fitted(schedule_autocomplete), timezone=fitted(timezone_autocomplete))
    async def edit(
        self,
        interaction: Interaction,
        schedule: int,
        every: str | None = None,
        at: str | None = None,
        timezone: str | None = None,
        catch_up: str | None = None,
        role: discord.Role | None = None,
        no_role: bool = False,
    ) -> None:
        """Change when a schedule releases, its catch-up policy or the role it mentions."""
        change = ScheduleChange(
            every=every,
            at=at,
            timezone=timezone,
            catch_up=catch_up,
            role_id=role.id if role else None,
            clear_role=no_role,
        )
        report = await self.app.schedules.edit(actor_of(interaction), schedule, change)
        await self._show(interaction, report, "Saved.")

    @app_commands.command(name="pause")
    @app_commands.autocomplete(schedule=fitted(schedule_autocomplete))
    async def pause(self, interaction: Interaction, schedule: int) -> None:
        """Hold a schedule until you resume it."""
        await self._show(interaction, await self.app.schedules.pause(actor_of(interaction), schedule), "Paused.")

    @app_commands.command(name="resume")
    @app_commands.autocomplete(schedule=fitted(schedule_autocomplete))
    async def resume(self, interaction: Interaction, schedule: int) -> None:
        """Resume a paused schedule; a release it missed posts now."""
        await self._show(interaction, await self.app.schedules.resume(actor_of(interaction), schedule), "Resumed.")

    @app_commands.command(name="skip")
    @app_commands.autocomplete(schedule=fitted(schedule_autocomplete))
    async def skip(self, interaction: Interaction, schedule: int) -> None:
        """Skip the next installment."""
        report = await self.app.schedules.skip(actor_of(interaction), schedule)
        await self._show(interaction, report, "Skipped one installment.")

    @app_commands.command(name="post-now")
    @app_commands.autocomplete(schedule=fitted(schedule_autocomplete))
    async def post_now(self, interaction: Interaction, schedule: int) -> None:
        """Release the next installment now."""
        report = await self.app.schedules.post_now(actor_of(interaction), schedule)
        await self._show(interaction, report, "Releasing the next installment now.")

    @app_commands.command(name="cancel")
    @app_commands.autocomplete(schedule=fitted(schedule_autocomplete))
    async def cancel(self, interaction: Interaction, schedule: int) -> None:
        """Delete a schedule. What was posted stays in the channel."""
        cancelled = await self.app.schedules.cancel(actor_of(interaction), schedule)
        await respond(interaction, f"Schedule #{cancelled} cancelled.", ephemeral=True)


async def setup(bot: StoryBot) -> None:
    await bot.add_cog(Schedules(bot))

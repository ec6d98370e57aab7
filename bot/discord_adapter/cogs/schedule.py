"""/schedule: serial readings released into a channel on a cadence (Manage Server)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

import discord
from discord import app_commands
from discord.ext import commands

from bot.core.errors import ScheduleError
from bot.core.schedule import Plan
from bot.core.zones import time_zone
from bot.discord_adapter.cogs.admin import timezone_autocomplete
from bot.discord_adapter.cogs.reading import story_autocomplete
from bot.discord_adapter.tree import respond
from bot.reading.serials import CATCH_UP, THREAD_MODES, ScheduleStatus
from bot.store.schedules import Schedule

if TYPE_CHECKING:
    from bot.discord_adapter.client import StoryBot

Interaction = discord.Interaction["StoryBot"]
CATCH_UP_CHOICES = [
    app_commands.Choice(name="shift: post the missed one at once, then carry on (default)", value="shift"),
    app_commands.Choice(name="late: post missed ones one by one, ten minutes apart", value="late"),
    app_commands.Choice(name="skip: jump ahead and say what was skipped", value="skip"),
]
assert [c.value for c in CATCH_UP_CHOICES] == list(CATCH_UP)
THREAD_CHOICES = [
    app_commands.Choice(name="no thread: post in the channel", value="none"),
    app_commands.Choice(name="one thread for the whole story, opened now", value="single"),
    app_commands.Choice(name="a new thread for each installment", value="each"),
]
assert [c.value for c in THREAD_CHOICES] == list(THREAD_MODES)


def stamp(when: datetime | None, style: str = "F") -> str:
    return f"<t:{int(when.timestamp())}:{style}>" if when else "—"


def plan_embed(schedule: Schedule, title: str, preview: Plan) -> discord.Embed:
    embed = discord.Embed(title=f"Scheduled: {title}"[:256], colour=discord.Colour.green())
    embed.add_field(name="Where", value=f"<#{schedule.channel_id}>", inline=True)
    embed.add_field(name="When", value=f"{schedule.cadence.describe()} ({schedule.timezone})", inline=True)
    embed.add_field(name="Installments", value=f"{preview.installments} of about {schedule.minutes:g} min", inline=True)
    embed.add_field(name="First posts", value="\n".join(stamp(t) for t in preview.first), inline=False)
    embed.add_field(name="Ends", value=stamp(preview.last, "D"), inline=True)
    embed.add_field(name="If the bot is down", value=schedule.catch_up, inline=True)
    embed.set_footer(text=f"Schedule #{schedule.id} · /schedule status {schedule.id}")
    return embed


def status_embed(status: ScheduleStatus, upcoming: list[datetime]) -> discord.Embed:
    s = status.schedule
    colour = discord.Colour.red() if status.problem else discord.Colour.green()
    embed = discord.Embed(title=f"Schedule #{s.id}: {status.title}"[:256], colour=colour)
    embed.add_field(name="State", value=s.state, inline=True)
    embed.add_field(name="Progress", value=f"{min(s.next_installment - 1, s.total)} of {s.total} posted", inline=True)
    embed.add_field(name="Channel", value=f"<#{s.channel_id}>", inline=True)
    embed.add_field(name="Cadence", value=f"{s.cadence.describe()} ({s.timezone})", inline=True)
    embed.add_field(name="Next post", value=stamp(upcoming[0]) if upcoming else "—", inline=True)
    if status.problem:
        embed.add_field(name="What is wrong", value=status.problem[:1024], inline=False)
    return embed


async def schedule_autocomplete(interaction: Interaction, current: str) -> list[app_commands.Choice[int]]:
    if interaction.guild_id is None:
        return []
    bot = interaction.client
    found = []
    for s in await bot.serials.schedules.for_guild(interaction.guild_id):
        record = await bot.services.stories.by_id(s.story_id)
        channel = getattr(bot.get_channel(s.channel_id), "name", s.channel_id)
        name = f"#{s.id} {record.title if record else '?'} in #{channel}"
        if current.strip().lower() in name.lower():
            found.append(app_commands.Choice(name=name[:100], value=s.id))
    return found[:25]


@app_commands.guild_only()
@app_commands.default_permissions(manage_guild=True)
class Schedules(commands.GroupCog, group_name="schedule"):
    """Serial readings: release a story installment by installment on a schedule."""

    def __init__(self, bot: StoryBot) -> None:
        self.bot = bot
        super().__init__()

    async def interaction_check(self, interaction: Interaction) -> bool:  # type: ignore[override]
        # Default permissions only hide the group; subcommands are checked here, every time.
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
    @app_commands.autocomplete(story=story_autocomplete, timezone=timezone_autocomplete)
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
        catch_up: str = "shift",
        role: discord.Role | None = None,
        thread: str = "none",
        more: app_commands.Range[int, 1, 1000] | None = None,
    ) -> None:
        """Schedule a story into a channel, installment by installment."""
        assert interaction.guild_id is not None
        record = await self.bot.services.catalog.find(story)
        zone_name = timezone or (await self.bot.services.guilds.get(interaction.guild_id)).timezone
        zone = time_zone(zone_name)
        first_day = None
        if start:
            try:
                first_day = datetime.strptime(start.strip(), "%Y-%m-%d").replace(tzinfo=zone).astimezone(UTC)
            except ValueError:
                raise ScheduleError(f"`{start}` is not a date. Write it like `2026-12-01`.") from None
        schedule, preview = await self.bot.serials.create(
            guild_id=interaction.guild_id,
            channel_id=channel.id,
            record=record,
            user_id=interaction.user.id,
            every=every,
            at=at,
            timezone=str(zone),
            start=first_day,
            minutes=minutes,
            catch_up=catch_up,
            role_id=role.id if role else None,
            thread=thread,
            more_quorum=more,
        )
        await respond(interaction, embed=plan_embed(schedule, record.title, preview), ephemeral=True)

    @app_commands.command(name="list")
    async def list_(self, interaction: Interaction) -> None:
        """The schedules in this server."""
        assert interaction.guild_id is not None
        lines = []
        for s in await self.bot.serials.schedules.for_guild(interaction.guild_id):
            record = await self.bot.services.stories.by_id(s.story_id)
            lines.append(
                f"**#{s.id}** {record.title if record else '?'} → <#{s.channel_id}> · {s.state} · "
                f"{min(s.next_installment - 1, s.total)}/{s.total} · next {stamp(s.next_due, 'R')}"
            )
        await respond(interaction, "\n".join(lines)[:2000] or "No schedules yet: `/schedule create`.", ephemeral=True)

    async def _show(self, interaction: Interaction, schedule_id: int, prefix: str = "") -> None:
        assert interaction.guild_id is not None
        status = await self.bot.serials.status(interaction.guild_id, schedule_id)
        embed = status_embed(status, self.bot.serials.upcoming(status.schedule))
        await respond(interaction, prefix or None, embed=embed, ephemeral=True)

    @app_commands.command(name="status")
    @app_commands.autocomplete(schedule=schedule_autocomplete)
    async def status(self, interaction: Interaction, schedule: int) -> None:
        """When the next post is, and what is wrong if anything is."""
        await self._show(interaction, schedule)

    @app_commands.command(name="show")
    @app_commands.autocomplete(schedule=schedule_autocomplete)
    async def show(self, interaction: Interaction, schedule: int) -> None:
        """A schedule's plan: cadence, progress, the next posts and when it ends."""
        assert interaction.guild_id is not None
        status = await self.bot.serials.status(interaction.guild_id, schedule)
        upcoming = self.bot.serials.upcoming(status.schedule, count=status.schedule.total)
        embed = status_embed(status, upcoming)
        if upcoming:
            embed.add_field(name="Next posts", value="\n".join(stamp(t) for t in upcoming[:3]), inline=False)
            embed.add_field(name="Ends", value=stamp(upcoming[-1], "D"), inline=True)
        embed.add_field(name="If the bot is down", value=status.schedule.catch_up, inline=True)
        await respond(interaction, embed=embed, ephemeral=True)

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
    @app_commands.autocomplete(schedule=schedule_autocomplete, timezone=timezone_autocomplete)
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
        assert interaction.guild_id is not None
        await self.bot.serials.edit(
            interaction.guild_id,
            schedule,
            every=every,
            at=at,
            timezone=timezone,
            catch_up=catch_up,
            role_id=role.id if role else None,
            clear_role=no_role,
        )
        await self._show(interaction, schedule, "Saved.")

    @app_commands.command(name="pause")
    @app_commands.autocomplete(schedule=schedule_autocomplete)
    async def pause(self, interaction: Interaction, schedule: int) -> None:
        """Hold a schedule until you resume it."""
        assert interaction.guild_id is not None
        await self.bot.serials.pause(interaction.guild_id, schedule)
        await self._show(interaction, schedule, "Paused.")

    @app_commands.command(name="resume")
    @app_commands.autocomplete(schedule=schedule_autocomplete)
    async def resume(self, interaction: Interaction, schedule: int) -> None:
        """Resume a paused schedule; a release it missed posts now."""
        assert interaction.guild_id is not None
        await self.bot.serials.resume(interaction.guild_id, schedule)
        await self._show(interaction, schedule, "Resumed.")

    @app_commands.command(name="skip")
    @app_commands.autocomplete(schedule=schedule_autocomplete)
    async def skip(self, interaction: Interaction, schedule: int) -> None:
        """Skip the next installment."""
        assert interaction.guild_id is not None
        await self.bot.serials.skip(interaction.guild_id, schedule)
        await self._show(interaction, schedule, "Skipped one installment.")

    @app_commands.command(name="post-now")
    @app_commands.autocomplete(schedule=schedule_autocomplete)
    async def post_now(self, interaction: Interaction, schedule: int) -> None:
        """Release the next installment now."""
        assert interaction.guild_id is not None
        await self.bot.serials.post_now(interaction.guild_id, schedule)
        await self._show(interaction, schedule, "Releasing the next installment now.")

    @app_commands.command(name="cancel")
    @app_commands.autocomplete(schedule=schedule_autocomplete)
    async def cancel(self, interaction: Interaction, schedule: int) -> None:
        """Delete a schedule. What was posted stays in the channel."""
        assert interaction.guild_id is not None
        await self.bot.serials.cancel(interaction.guild_id, schedule)
        await respond(interaction, f"Schedule #{schedule} cancelled.", ephemeral=True)


async def setup(bot: StoryBot) -> None:
    await bot.add_cog(Schedules(bot))

"""/settings (Manage Server): a server's rating limit, who may start readings, threads, time zone."""

from __future__ import annotations

from dataclasses import dataclass, replace

from bot.app.actor import Actor, require_admin
from bot.app.ports import ServicesPort, rating_level, zone_of
from bot.core.guild import GuildSettings


@dataclass(frozen=True, slots=True)
class SettingsChange:
    """What to change; ``None`` leaves a setting as it is."""

    max_rating: str | None = None
    reader_role_id: int | None = None
    everyone_reads: bool = False  # clears the reader role
    threads: bool | None = None
    timezone: str | None = None


@dataclass(frozen=True, slots=True)
class SettingsResult:
    settings: GuildSettings
    changed: bool


class GuildSettingsUseCases:
    def __init__(self, services: ServicesPort) -> None:
        self.guilds = services.guilds

    async def show(self, actor: Actor) -> SettingsResult:
        return SettingsResult(await self.guilds.get(require_admin(actor)), False)

    async def change(self, actor: Actor, change: SettingsChange) -> SettingsResult:
        """Every value is checked before anything is saved: one bad option changes nothing."""
        current = await self.guilds.get(require_admin(actor))
        changed = current
        if change.max_rating is not None:
            changed = replace(changed, max_rating=rating_level(change.max_rating))
        if change.reader_role_id is not None:
            changed = replace(changed, reader_role_id=change.reader_role_id)
        if change.everyone_reads:
            changed = replace(changed, reader_role_id=None)
        if change.threads is not None:
            changed = replace(changed, open_threads=change.threads)
        if change.timezone is not None:
            changed = replace(changed, timezone=str(zone_of(change.timezone)))
        if changed == current:
            return SettingsResult(current, False)
        await self.guilds.save(changed)
        return SettingsResult(changed, True)

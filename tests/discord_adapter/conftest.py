"""SimCord: the real bot, built by the production factory, against an in-process Discord."""

from __future__ import annotations

import shutil
from pathlib import Path

import discord
import pytest

from bot.discord_adapter.client import StoryBot
from bot.discord_adapter.runner import build_bot
from bot.services import Services
from bot.settings import Settings
from bot.store.database import Database
from tests.conftest import SHIPPED_STORY

E_STORY = "Title: Midnight Heat\nAuthor: Ann\nCategory: Angel\nRating: Explicit\nSummary: Secret summary.\n\n{}\n"
M_STORY = "Title: Grey Areas\nAuthor: Bo\nCategory: Angel\nRating: M\nSummary: Mature summary.\n\n{}\n"


def _body(words: int) -> str:
    sentence = "The night was long and the candles burned low. "
    return "\n\n".join(sentence * 6 for _ in range(max(1, words // 60)))


@pytest.fixture
def stories_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "stories"
    folder.mkdir()
    shutil.copy(SHIPPED_STORY, folder / "fight-for-me.txt")
    (folder / "midnight-heat.txt").write_text(E_STORY.format(_body(1500)), encoding="utf-8")
    (folder / "grey-areas.txt").write_text(M_STORY.format(_body(300)), encoding="utf-8")
    return folder


@pytest.fixture
async def services(tmp_path: Path, stories_dir: Path):
    settings = Settings(database_path=tmp_path / "bot.db", stories_dir=stories_dir)
    db = await Database.open(settings.database_path)
    svc = Services(settings, db)
    report = await svc.importer.import_paths()
    assert not report.failed, report.summary()
    yield svc
    await db.close()


@pytest.fixture
def simcord_bot(services: Services) -> StoryBot:
    return build_bot(services)


@pytest.fixture
def world(simcord_env):
    """A guild with one text channel, an admin (Manage Server) and an ordinary member."""
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("general")
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(simcord_env.create_user("admin"), roles=[admins])
    member = guild.add_member(simcord_env.create_user("member"))
    return guild, channel, admin, member


def age_restrict(env, channel, restricted: bool = True) -> None:
    """Mark a channel age-restricted as the bot sees it.

    SimCord 3.2 does not model the channel ``nsfw`` flag, so the flag is set on the
    bot's own cached channel: exactly what discord.py reads in ``is_nsfw()``.
    """
    cached = env.bot.get_channel(channel.id)
    assert isinstance(cached, discord.TextChannel)
    cached.nsfw = restricted


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Readings pause seconds between posts. A short settle timeout parks those sleeps for
    ``advance_time`` instead of letting each action wait them out on the wall clock."""
    for item in items:
        if "discord_adapter" in str(item.path) and item.get_closest_marker("simcord") is None:
            item.add_marker(pytest.mark.simcord(settle_timeout=1.0))

"""The console over a real library and database, and the real bot's command tree, built offline."""

from __future__ import annotations

import io
import shutil
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from discord import app_commands

from bot.console.app import Console
from bot.services import Services
from bot.settings import Settings
from bot.store.database import Database
from tests.conftest import SHIPPED_STORY

M_STORY = "Title: Grey Areas\nRating: M\nSummary: Mature summary.\n\nText here.\n"


@pytest.fixture
async def services(tmp_path: Path) -> AsyncIterator[Services]:
    stories = tmp_path / "stories"
    stories.mkdir()
    shutil.copy(SHIPPED_STORY, stories / "fight-for-me.txt")
    (stories / "grey.txt").write_text(M_STORY, encoding="utf-8")
    settings = Settings(database_path=tmp_path / "data" / "c.db", stories_dir=stories)
    settings.database_path.parent.mkdir()
    db = await Database.open(settings.database_path)
    svc = Services(settings, db)
    report = await svc.importer.import_paths()
    assert not report.failed, report.summary()
    yield svc
    await db.close()


MakeConsole = Callable[..., tuple[Console, io.StringIO]]


@pytest.fixture
def make_console(services: Services) -> MakeConsole:
    def make(speed: float = 10_000, out: io.TextIOBase | None = None, **kwargs: object) -> tuple[Console, io.StringIO]:
        out = out if out is not None else io.StringIO()
        return Console(services, out=out, speed=speed, **kwargs), out  # type: ignore[arg-type, return-value]

    return make


@pytest.fixture
async def console(make_console: MakeConsole) -> AsyncIterator[tuple[Console, io.StringIO]]:
    made = make_console()
    await made[0].start()
    yield made
    await made[0].close()


def leaves(commands: list[app_commands.Command | app_commands.Group]) -> list[app_commands.Command]:
    found: list[app_commands.Command] = []
    for command in commands:
        if isinstance(command, app_commands.Group):
            found += leaves(command.commands)
        else:
            found.append(command)
    return found


@pytest.fixture
async def discord_tree(services: Services) -> app_commands.CommandTree:
    """The bot's command tree exactly as it syncs, built by the production factory, offline."""
    from bot.discord_adapter.client import EXTENSIONS
    from bot.discord_adapter.runner import build_bot

    bot = build_bot(services)
    for extension in EXTENSIONS:
        await bot.load_extension(extension)
    return bot.tree

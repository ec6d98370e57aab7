"""The command surface against Discord's limits, syncing, and the library browser."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

from discord import app_commands

from bot.core.models import Chapter, Story, StoryMeta
from bot.discord_adapter.runner import RedactToken, build_bot

NAME = re.compile(r"^[-_'\w]{1,32}$")


def walk(commands):
    for command in commands:
        yield command
        if isinstance(command, app_commands.Group):
            yield from walk(command.commands)


async def test_every_command_fits_discords_limits(simcord_env):
    tree = simcord_env.bot.tree
    commands = list(walk(tree.get_commands()))
    names = {c.qualified_name for c in commands}
    assert {"story", "summary", "rating", "library", "settings", "reading pause", "reading status"} <= names
    assert len(tree.get_commands()) <= 100
    for command in commands:
        assert NAME.match(command.name) and command.name == command.name.lower(), command.name
        assert 1 <= len(command.description) <= 100, command.qualified_name
        if isinstance(command, app_commands.Command):
            assert len(command.parameters) <= 25
            for parameter in command.parameters:
                assert NAME.match(parameter.name), parameter.name
                assert 1 <= len(parameter.description) <= 100, (command.name, parameter.name)
                assert len(parameter.choices) <= 25
                assert not (parameter.choices and parameter.autocomplete)
    for command in tree.get_commands():
        assert len(str(command.to_dict(tree))) < 8000


async def test_descriptions_come_from_docstrings(simcord_env):
    story = simcord_env.bot.tree.get_command("story")
    assert story.description == "Read a story: its card, then the story itself at a human pace."


async def test_admin_command_is_hidden_and_guild_only(simcord_env):
    settings = simcord_env.bot.tree.get_command("settings")
    assert settings.default_permissions.manage_guild
    assert settings.guild_only


async def test_commands_sync_only_when_they_changed(simcord_env, services):
    def puts():
        return [r for r in simcord_env.http_requests if r.method == "PUT" and r.path.endswith("/commands")]

    assert len(puts()) == 1  # the first start synced
    await simcord_env.restart_bot(build_bot(services))
    assert len(puts()) == 1  # unchanged tree: no second sync
    await services.bot_state.set("command_tree_hash", "stale")
    await simcord_env.restart_bot(build_bot(services))
    assert len(puts()) == 2


async def test_library_pages_work_after_a_restart(simcord_env, services):
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("general")
    alice = guild.add_member(simcord_env.create_user("alice"))
    extra = [
        (Story(StoryMeta(title=f"Story {n:02d}", rating_raw="K"), (Chapter("1", ("Text.",)),)), f"x{n}.txt")
        for n in range(12)
    ]
    await services.stories.add_many(extra, source_format="test", now=datetime.now(UTC))
    first = await alice.slash(channel, "library")
    assert first.ephemeral
    assert "Page 1 of 2" in first.response.embeds[0].footer.text
    await simcord_env.restart_bot(build_bot(services))
    second = await alice.click(first.response, label="Next ▶")
    assert "Page 2 of 2" in second.response.embeds[0].footer.text
    rated = await alice.slash(channel, "library", rating="E")
    assert "Midnight Heat" in rated.response.embeds[0].description
    assert "Fight For Me" not in rated.response.embeds[0].description
    searched = await alice.slash(channel, "library", search="singing")
    assert "Fight For Me" in searched.response.embeds[0].description


def test_token_is_redacted_from_log_lines(caplog):
    logger = logging.getLogger("test.redact")
    token = "MTAw.secret.token"
    handler = logging.StreamHandler()
    handler.addFilter(RedactToken(token))
    record = logger.makeRecord("x", logging.INFO, __file__, 1, "connecting with %s", (token,), None)
    handler.filter(record)
    assert token not in record.getMessage()
    assert "[token hidden]" in record.getMessage()


def test_story_card_stays_within_embed_limits():
    from bot.core.gating import Venue
    from bot.core.models import StoryRecord
    from bot.discord_adapter.render import story_card

    long = "word " * 2000
    meta = StoryMeta(
        title="T" * 300,
        author="A" * 300,
        fandom="F" * 2000,
        rating_raw="K",
        summary=long,
        warnings=("Major Character Death",) * 3,
        content_notes=long,
        extra={"disclaimer": long, "feedback": long},
    )
    record = StoryRecord(1, "t", meta, 10, 1, "t.txt", "h", meta.rating)
    embed = story_card(record, Venue(age_restricted=False), words_per_minute=230)
    assert len(embed) <= 6000
    assert len(embed.title) <= 256 and len(embed.description) <= 4096
    assert all(len(f.value) <= 1024 for f in embed.fields)

"""One truth for the command surface: the specs the console parses with equal the Discord tree."""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import replace

import discord
from discord import AppCommandOptionType, app_commands
from discord.utils import MISSING

from bot.app.specs import BY_PATH, COMMANDS, FEEDBACK_TEXT, GROUPS, Kind, Option
from tests.console.conftest import leaves

KINDS = {
    AppCommandOptionType.string: Kind.STR,
    AppCommandOptionType.integer: Kind.INT,
    AppCommandOptionType.number: Kind.FLOAT,
    AppCommandOptionType.boolean: Kind.BOOL,
    AppCommandOptionType.channel: Kind.CHANNEL,
    AppCommandOptionType.role: Kind.ROLE,
    AppCommandOptionType.user: Kind.USER,
    AppCommandOptionType.attachment: Kind.ATTACHMENT,
}


def as_spec(command: app_commands.Command, tree: app_commands.CommandTree) -> dict:
    """A leaf of the Discord tree in the shape of a spec, from what syncs (``to_dict``) and the defaults."""
    root = command.root_parent or command
    synced = {o["name"]: o for o in command.to_dict(tree)["options"]}
    options = []
    for parameter in command.parameters:
        data = synced[parameter.name]
        text = parameter.type is AppCommandOptionType.string
        default = None if parameter.required or parameter.default in (MISSING, None) else parameter.default
        options.append(
            Option(
                name=parameter.name,
                kind=KINDS[parameter.type],
                description=parameter.description,
                required=parameter.required,
                min_value=None if text else data.get("min_value"),
                max_value=None if text else data.get("max_value"),
                min_length=data.get("min_length"),
                max_length=data.get("max_length"),
                choices=tuple((c.value, c.name) for c in parameter.choices),  # type: ignore[arg-type]
                default=default,
                channel_types=tuple(t.value for t in parameter.channel_types),
                autocomplete=parameter.autocomplete,
            )
        )
    return {
        "description": command.description,
        "guild_only": root.guild_only,
        "admin": bool(root.default_permissions and root.default_permissions.manage_guild),
        "options": options,
    }


def spec_shape(path: tuple[str, ...]) -> dict:
    spec = BY_PATH[path]
    options = [replace(o, choices=tuple((c.value, c.label) for c in o.choices)) for o in spec.options]
    return {"description": spec.description, "guild_only": spec.guild_only, "admin": spec.admin, "options": options}


async def test_every_discord_command_has_a_spec_and_every_spec_a_discord_command(discord_tree):
    on_discord = {tuple(c.qualified_name.split()) for c in leaves(discord_tree.get_commands())}
    assert on_discord == set(BY_PATH), (
        f"only on Discord: {sorted(on_discord - set(BY_PATH))}; only in the specs: {sorted(set(BY_PATH) - on_discord)}"
    )
    assert len(COMMANDS) == len(BY_PATH)


async def test_each_command_has_the_same_options_ranges_and_choices(discord_tree):
    for command in leaves(discord_tree.get_commands()):
        path = tuple(command.qualified_name.split())
        discord_side, spec_side = as_spec(command, discord_tree), spec_shape(path)
        assert [o.name for o in discord_side["options"]] == [o.name for o in spec_side["options"]], path
        for theirs, ours in zip(discord_side["options"], spec_side["options"], strict=True):
            assert theirs == ours, (path, theirs.name)
        assert discord_side == spec_side, path


async def test_groups_have_the_same_descriptions(discord_tree):
    groups = {c.name: c.description for c in discord_tree.get_commands() if isinstance(c, app_commands.Group)}
    assert groups == GROUPS


def discord_modal(name: str) -> type[discord.ui.Modal]:
    """The Discord adapter's modal class called ``name``, wherever in the adapter it lives."""
    import bot.discord_adapter as adapter

    for found in pkgutil.walk_packages(adapter.__path__, adapter.__name__ + "."):
        cls = getattr(importlib.import_module(found.name), name, None)
        if isinstance(cls, type) and issubclass(cls, discord.ui.Modal):
            return cls
    raise AssertionError(f"no modal {name} in bot.discord_adapter")


def test_the_feedback_form_has_the_same_limits_as_the_discord_modal():
    field = discord_modal("FeedbackModal").text  # type: ignore[attr-defined]
    assert (field.min_length, field.max_length) == (FEEDBACK_TEXT.min_length, FEEDBACK_TEXT.max_length)

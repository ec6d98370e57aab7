"""Who may do what: the same rules for every front end."""

from __future__ import annotations

import pytest

from bot.app.actor import Actor, may_steer, require_admin, require_reader, require_steer
from bot.core.errors import NotAllowed


def test_the_reader_who_started_it_or_manage_messages_steers():
    starter = Actor(user_id=1, guild_id=5, channel_id=7)
    other = Actor(user_id=2, guild_id=5, channel_id=7)
    moderator = Actor(user_id=3, guild_id=5, channel_id=7, manage_messages=True)
    assert may_steer(starter, 1) and may_steer(moderator, 1) and not may_steer(other, 1)
    with pytest.raises(NotAllowed, match="Only <@1> or members with Manage Messages"):
        require_steer(other, 1)


def test_admin_commands_need_manage_server_in_a_server():
    with pytest.raises(NotAllowed, match="Manage Server"):
        require_admin(Actor(user_id=1, guild_id=5, channel_id=7))
    with pytest.raises(NotAllowed, match="only works in a server"):
        require_admin(Actor(user_id=1, guild_id=None, channel_id=7, manage_guild=True))
    assert require_admin(Actor(user_id=1, guild_id=5, channel_id=7, manage_guild=True)) == 5


def test_reader_role_limits_who_starts_live_readings():
    require_reader(Actor(user_id=1, guild_id=5, channel_id=7), None)  # no role set: everyone
    require_reader(Actor(user_id=1, guild_id=5, channel_id=7, role_ids=frozenset({42})), 42)
    require_reader(Actor(user_id=1, guild_id=5, channel_id=7, manage_guild=True), 42)
    with pytest.raises(NotAllowed, match="<@&42>"):
        require_reader(Actor(user_id=1, guild_id=5, channel_id=7, role_ids=frozenset({41})), 42)

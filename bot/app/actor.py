"""Who is asking, as every front end can say it, and the rules about what they may do."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.core.errors import NotAllowed


@dataclass(frozen=True, slots=True)
class Actor:
    """A person using a command, in a channel (and a server, unless it is a DM).

    ``manage_guild`` and ``manage_messages`` are the permissions the front end resolved
    for this channel; ``role_ids`` the member's roles in the server.
    """

    user_id: int
    guild_id: int | None
    channel_id: int
    name: str = ""
    manage_guild: bool = False
    manage_messages: bool = False
    role_ids: frozenset[int] = field(default_factory=frozenset)


GUILD_ONLY = "That command only works in a server."


def require_guild(actor: Actor) -> int:
    """The actor's server id, or :class:`NotAllowed` outside a server."""
    if actor.guild_id is None:
        raise NotAllowed(GUILD_ONLY)
    return actor.guild_id


def require_admin(actor: Actor) -> int:
    """Manage Server in a server: admin commands are checked here, not only hidden by the front end."""
    guild_id = require_guild(actor)
    if not actor.manage_guild:
        raise NotAllowed("You need the Manage Server permission to do that.")
    return guild_id


def may_steer(actor: Actor, started_by: int) -> bool:
    """The reader who started a reading, or anyone who can manage messages (or the server) there."""
    return actor.user_id == started_by or actor.manage_messages or actor.manage_guild


def require_steer(actor: Actor, started_by: int) -> None:
    if not may_steer(actor, started_by):
        raise NotAllowed(f"Only <@{started_by}> or members with Manage Messages can steer this reading.")


def require_reader(actor: Actor, reader_role_id: int | None) -> None:
    """With a reader role set, only its members (and admins) start live readings."""
    if reader_role_id is None or actor.guild_id is None or actor.manage_guild:
        return
    if reader_role_id not in actor.role_ids:
        raise NotAllowed(
            f"Only members with <@&{reader_role_id}> may start live readings here. "
            "You can still read privately with `private: True`."
        )

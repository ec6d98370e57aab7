"""The loopback Discord-compatible server, under its historical name.

The server lives in ``tests/fakediscord/`` (REST, gateway, limits, interactions); this module
keeps ``from tests.fake_discord import FakeDiscord`` working. It is a real HTTP and WebSocket
server on 127.0.0.1, so the bot can run as a separate process against it: it enforces the
Discord limits in docs/discord-limits.md and answers in the shapes discord.py requires (JSON
bodies typed exactly ``application/json``, JSON answers to interaction callbacks, absent keys
rather than ``null``).
"""

from tests.fakediscord import *  # noqa: F403
from tests.fakediscord import __all__  # noqa: F401

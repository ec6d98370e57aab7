"""A minimal Discord-compatible server on loopback: REST and gateway, just enough for one guild.

It speaks what discord.py needs to log in, receive READY and GUILD_CREATE, sync
commands, answer an application command and post messages. The payload rules
in ``shared/reference/testing.md`` apply: JSON content type, ``with_response``
on interaction callbacks, no ``null`` where discord.py expects a missing key.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from typing import Any

from aiohttp import WSMsgType, web

APP_ID = "100000000000000001"
GUILD_ID = "100000000000000002"
CHANNEL_ID = "100000000000000003"
USER_ID = "100000000000000004"
EVERYONE_PERMS = str((1 << 10) | (1 << 11) | (1 << 14) | (1 << 16) | (1 << 31))  # view, send, embed, history, use cmds

BOT_USER = {
    "id": APP_ID,
    "username": "Storyteller",
    "discriminator": "0",
    "global_name": None,
    "avatar": None,
    "bot": True,
}
READER = {"id": USER_ID, "username": "reader", "discriminator": "0", "global_name": "Reader", "avatar": None}


def _json(data: Any) -> web.Response:
    # discord.py only parses bodies whose content type is exactly application/json.
    return web.Response(body=json.dumps(data).encode(), headers={"Content-Type": "application/json"})


class FakeDiscord:
    """Records what the bot did: identifies, synced commands, interaction replies, messages."""

    def __init__(self) -> None:
        self.identified = asyncio.Event()
        self.commands_synced = asyncio.Event()
        self.replied = asyncio.Event()
        self.posted = asyncio.Event()
        self.commands: list[dict[str, Any]] = []
        self.callbacks: list[dict[str, Any]] = []
        self.messages: list[dict[str, Any]] = []
        self.tokens_seen: list[str] = []
        self._ids = itertools.count(200000000000000000)
        self._sockets: list[web.WebSocketResponse] = []
        self._seq = itertools.count(1)
        self.app = web.Application()
        api = "/api/v10"
        self.app.add_routes(
            [
                web.get(f"{api}/users/@me", self.me),
                web.get(f"{api}/oauth2/applications/@me", self.application),
                web.put(f"{api}/applications/{{app}}/commands", self.put_commands),
                web.put(f"{api}/applications/{{app}}/guilds/{{guild}}/commands", self.put_commands),
                web.post(f"{api}/interactions/{{id}}/{{token}}/callback", self.callback),
                web.get(f"{api}/webhooks/{{app}}/{{token}}/messages/@original", self.original),
                web.post(f"{api}/channels/{{channel}}/typing", self.typing),
                web.post(f"{api}/channels/{{channel}}/messages", self.create_message),
                web.get("/gateway", self.gateway),
            ]
        )
        self.runner: web.AppRunner | None = None
        self.port = 0

    async def start(self) -> None:
        self.runner = web.AppRunner(self.app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for ws in self._sockets:
            await ws.close()
        if self.runner is not None:
            await self.runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    def _id(self) -> str:
        return str(next(self._ids))

    def _auth(self, request: web.Request) -> None:
        self.tokens_seen.append(request.headers.get("Authorization", ""))

    # REST ----------------------------------------------------------------------

    async def me(self, request: web.Request) -> web.Response:
        self._auth(request)
        return _json(BOT_USER)

    async def application(self, request: web.Request) -> web.Response:
        return _json(
            {
                "id": APP_ID,
                "name": "Storyteller",
                "description": "",
                "icon": None,
                "bot_public": True,
                "bot_require_code_grant": False,
                "owner": READER,
                "verify_key": "0" * 64,
                "flags": 0,
                "summary": "",
                "team": None,
            }
        )

    async def put_commands(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.commands = [{**c, "id": self._id(), "application_id": APP_ID, "version": "1"} for c in body]
        self.commands_synced.set()
        return _json(self.commands)

    async def callback(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.callbacks.append(body)
        self.replied.set()
        message = self._message(body.get("data", {}))
        self._original = message
        return _json(
            {
                "interaction": {
                    "id": request.match_info["id"],
                    "type": 2,
                    "response_message_id": message["id"],
                    "response_message_loading": False,
                    "response_message_ephemeral": False,
                },
                "resource": {"type": body["type"], "message": message},
            }
        )

    async def original(self, request: web.Request) -> web.Response:
        return _json(self._original)

    async def typing(self, request: web.Request) -> web.Response:
        return web.Response(status=204)

    async def create_message(self, request: web.Request) -> web.Response:
        body = await request.json()
        message = self._message(body)
        self.messages.append(message)
        self.posted.set()
        return _json(message)

    def _message(self, data: dict[str, Any]) -> dict[str, Any]:
        return {
            "id": self._id(),
            "channel_id": CHANNEL_ID,
            "guild_id": GUILD_ID,
            "author": BOT_USER,
            "content": data.get("content") or "",
            "timestamp": "2026-11-24T12:00:00+00:00",
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": data.get("embeds") or [],
            "pinned": False,
            "type": 0,
            "flags": data.get("flags") or 0,
            "components": [],
        }

    # Gateway -------------------------------------------------------------------

    async def gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                continue
            payload = json.loads(msg.data)
            if payload["op"] == 1:
                await ws.send_str(json.dumps({"op": 11}))
            elif payload["op"] == 2:
                self.tokens_seen.append(payload["d"]["token"])
                await self._dispatch(
                    ws,
                    "READY",
                    {
                        "v": 10,
                        "user": BOT_USER,
                        "guilds": [{"id": GUILD_ID, "unavailable": True}],
                        "session_id": "fake-session",
                        "resume_gateway_url": self.gateway_url,
                        "application": {"id": APP_ID, "flags": 0},
                        "shard": [0, 1],
                    },
                )
                await self._dispatch(ws, "GUILD_CREATE", self._guild())
                self.identified.set()
        return ws

    async def _dispatch(self, ws: web.WebSocketResponse, event: str, data: dict[str, Any]) -> None:
        await ws.send_str(json.dumps({"op": 0, "t": event, "s": next(self._seq), "d": data}))

    def _guild(self) -> dict[str, Any]:
        everyone = {
            "id": GUILD_ID,
            "name": "@everyone",
            "permissions": EVERYONE_PERMS,
            "position": 0,
            "color": 0,
            "hoist": False,
            "managed": False,
            "mentionable": False,
            "flags": 0,
        }
        member = {
            "user": BOT_USER,
            "roles": [],
            "joined_at": "2026-01-01T00:00:00+00:00",
            "deaf": False,
            "mute": False,
            "flags": 0,
        }
        return {
            "id": GUILD_ID,
            "name": "Loopback",
            "icon": None,
            "owner_id": USER_ID,
            "afk_timeout": 300,
            "verification_level": 0,
            "default_message_notifications": 0,
            "explicit_content_filter": 0,
            "roles": [everyone],
            "emojis": [],
            "stickers": [],
            "features": [],
            "mfa_level": 0,
            "system_channel_flags": 0,
            "premium_tier": 0,
            "nsfw_level": 0,
            "preferred_locale": "en-US",
            "member_count": 2,
            "large": False,
            "unavailable": False,
            "joined_at": "2026-01-01T00:00:00+00:00",
            "members": [member],
            "presences": [],
            "voice_states": [],
            "threads": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "channels": [
                {
                    "id": CHANNEL_ID,
                    "type": 0,
                    "guild_id": GUILD_ID,
                    "name": "reading",
                    "position": 0,
                    "permission_overwrites": [],
                    "nsfw": False,
                    "rate_limit_per_user": 0,
                    "topic": None,
                    "parent_id": None,
                }
            ],
        }

    async def invoke(self, name: str, options: list[dict[str, Any]]) -> None:
        """A reader runs a slash command, as the gateway delivers it."""
        command = next(c for c in self.commands if c["name"] == name)
        interaction = {
            "id": self._id(),
            "application_id": APP_ID,
            "type": 2,
            "token": "interaction-token",
            "version": 1,
            "guild_id": GUILD_ID,
            "channel_id": CHANNEL_ID,
            "channel": {
                "id": CHANNEL_ID,
                "type": 0,
                "guild_id": GUILD_ID,
                "name": "reading",
                "nsfw": False,
                "permissions": EVERYONE_PERMS,
            },
            "member": {
                "user": READER,
                "roles": [],
                "joined_at": "2026-01-01T00:00:00+00:00",
                "deaf": False,
                "mute": False,
                "flags": 0,
                "permissions": EVERYONE_PERMS,
            },
            "app_permissions": EVERYONE_PERMS,
            "locale": "en-US",
            "guild_locale": "en-US",
            "entitlements": [],
            "authorizing_integration_owners": {"0": GUILD_ID},
            "context": 0,
            "attachment_size_limit": 10485760,
            "data": {"id": command["id"], "name": name, "type": 1, "options": options},
        }
        for ws in self._sockets:
            await self._dispatch(ws, "INTERACTION_CREATE", interaction)

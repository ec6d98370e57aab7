"""The gateway: sessions and their shards, dispatch to the shard that owns an event, RESUME, drops.

As on Discord, IDENTIFY may name a shard, ``"shard": [shard_id, shard_count]`` (none means
``[0, 1]``). READY and the GUILD_CREATEs after it cover only that shard's guilds, and every later
event goes only to the sessions whose shard owns its guild (``tests/fakediscord/shards.py``);
events without a guild go to shard 0. Each session numbers its own events and keeps them, so a
RESUME replays what that session missed while it was dropped, for its shard only. Two
connections that identify as the same shard both get its events, as a misconfigured deployment
would on Discord. Any number of connections may be open at once.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakediscord import payloads as p
from tests.fakediscord.http import json_response
from tests.fakediscord.shards import shard_of

Shard = tuple[int, int]  # (shard_id, shard_count)

# Events about a guild itself name it by "id"; every other guild event carries "guild_id".
_GUILD_ITSELF = frozenset({"GUILD_CREATE", "GUILD_UPDATE", "GUILD_DELETE"})
SESSION_STARTS_PER_DAY = 1000  # Discord's session_start_limit total for a small bot
INVALID_SHARD = 4010  # Discord's close code for a shard id outside the count


def guild_of(event: str, data: dict[str, Any]) -> str | None:
    """The guild a dispatch belongs to, which decides its shard; ``None`` for DMs and the like."""
    value = data.get("id" if event in _GUILD_ITSELF else "guild_id")
    return None if value is None else str(value)


@dataclass
class Session:
    """One gateway session: its shard, its own sequence numbers, and what it was sent, for a RESUME."""

    id: str
    shard: Shard
    ws: web.WebSocketResponse | None  # the connection attached now; None while dropped
    seq: int = 0
    frames: list[tuple[int, str]] = field(default_factory=list)
    # Held while frames are numbered and sent, so an event dispatched during READY (or a RESUME's
    # replay) waits its turn instead of arriving out of order.
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def owns(self, guild_id: str | None) -> bool:
        shard_id, shard_count = self.shard
        return shard_of(guild_id, shard_count) == shard_id

    def frame(self, event: str, data: dict[str, Any]) -> str:
        self.seq += 1
        frame = json.dumps({"op": 0, "t": event, "s": self.seq, "d": data})
        self.frames.append((self.seq, frame))
        return frame

    async def send(self, event: str, data: dict[str, Any]) -> None:
        """Number and keep the event; send it if a connection is attached."""
        async with self.lock:
            frame = self.frame(event, data)
            if self.ws is not None and not self.ws.closed:
                await self.ws.send_str(frame)


class GatewayRoutes:
    """The gateway half of ``FakeDiscord`` (a mixin: it reads the server's ``guilds`` and
    ``gateway_url``, appends to its ``events`` and ``tokens_seen``, and sets ``identified``).

    ``recommended_shards`` is the shard count ``GET /gateway/bot`` recommends, which an
    ``AutoShardedClient`` without a ``shard_count`` uses.
    """

    def __init__(self, recommended_shards: int = 1) -> None:
        self.recommended_shards = recommended_shards
        self.drops = 0
        self.resumes = 0
        self._sessions: list[Session] = []  # in the order they identified
        self._sockets: list[web.WebSocketResponse] = []  # every open socket, identified or not
        self._started = 0  # sessions started: their ids, and session_start_limit

    def gateway_routes(self, api: str) -> list[web.AbstractRouteDef]:
        return [
            web.get(f"{api}/gateway", self.get_gateway),
            web.get(f"{api}/gateway/bot", self.get_gateway_bot),
            web.get("/gateway", self.gateway),
        ]

    @property
    def shards_connected(self) -> list[Shard]:
        """The shard of each session with a connection now, in the order they identified."""
        return [session.shard for session in self._sessions if session.ws is not None]

    # REST ------------------------------------------------------------------------------------

    async def get_gateway(self, request: web.Request) -> web.Response:
        return json_response({"url": self.gateway_url})

    async def get_gateway_bot(self, request: web.Request) -> web.Response:
        """Where to connect, the recommended shard count, and one IDENTIFY at a time (max_concurrency 1)."""
        limit = {
            "total": SESSION_STARTS_PER_DAY,
            "remaining": max(SESSION_STARTS_PER_DAY - self._started, 0),
            "reset_after": 86_400_000,
            "max_concurrency": 1,
        }
        return json_response({"url": self.gateway_url, "shards": self.recommended_shards, "session_start_limit": limit})

    # The socket ------------------------------------------------------------------------------

    async def gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                payload = json.loads(msg.data)
                if payload["op"] == 1:
                    await ws.send_str(json.dumps({"op": 11}))
                elif payload["op"] == 2:
                    await self._identify(ws, payload["d"])
                elif payload["op"] == 6:
                    await self._resume(ws, payload["d"])
        finally:
            self._sockets.remove(ws)
            for session in self._sessions:
                if session.ws is ws:
                    session.ws = None  # kept, and still collecting its events, for a RESUME
        return ws

    async def close_gateways(self) -> None:
        for ws in list(self._sockets):
            await ws.close()

    async def _identify(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
        self.tokens_seen.append(data["token"])
        shard_id, shard_count = (int(n) for n in data.get("shard") or (0, 1))
        if not 0 <= shard_id < shard_count:
            await ws.close(code=INVALID_SHARD, message=b"Invalid shard")
            return
        shard = (shard_id, shard_count)
        # A new IDENTIFY ends the dropped sessions of its shard, as it ended the one session
        # before there were shards; live ones stay (two processes on one shard keep theirs).
        self._sessions = [s for s in self._sessions if s.ws is not None or s.shard != shard]
        self._started += 1
        session = Session(f"fake-session-{self._started}", shard, ws)
        guilds = [guild for guild in self.guilds.values() if session.owns(guild.id)]
        ready = {
            "v": 10,
            "user": p.BOT_USER,
            "guilds": [{"id": guild.id, "unavailable": True} for guild in guilds],
            "session_id": session.id,
            "resume_gateway_url": self.gateway_url,
            "application": {"id": p.APP_ID, "flags": 0},
            "shard": [shard_id, shard_count],
        }
        async with session.lock:
            self._sessions.append(session)  # events from now on queue behind READY
            await ws.send_str(session.frame("READY", ready))
            for guild in guilds:
                await ws.send_str(session.frame("GUILD_CREATE", guild.payload()))
        self.events += [("READY", ready), *(("GUILD_CREATE", guild.payload()) for guild in guilds)]
        self.identified.set()

    async def _resume(self, ws: web.WebSocketResponse, data: dict[str, Any]) -> None:
        """Replay what the session missed since ``seq``, then RESUMED; an unknown session must identify."""
        session = next((s for s in self._sessions if s.id == data.get("session_id")), None)
        if session is None:
            await ws.send_str(json.dumps({"op": 9, "d": False}))
            return
        self.tokens_seen.append(data["token"])
        since = int(data.get("seq") or 0)
        async with session.lock:
            for seq, frame in session.frames:
                if seq > since:
                    await ws.send_str(frame)
            session.ws = ws  # the session keeps its shard: a RESUME cannot change it
            self.resumes += 1
            await ws.send_str(session.frame("RESUMED", {}))

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send an event to the sessions whose shard owns its guild (shard 0 without one).

        It is recorded in ``events`` once, however many sessions get it; a dropped session
        keeps it for its RESUME.
        """
        self.events.append((event, data))
        guild_id = guild_of(event, data)
        for session in list(self._sessions):
            if session.owns(guild_id):
                await session.send(event, data)

    async def drop_gateway(self, code: int = 4000, *, shard_id: int | None = None) -> None:
        """Close the gateway connections, or only those of shard ``shard_id``, as Discord drops
        them; the bot resumes, and gets what its session missed."""
        self.drops += 1
        for session in self._sessions:
            if session.ws is not None and (shard_id is None or session.shard[0] == shard_id):
                ws, session.ws = session.ws, None
                await ws.close(code=code, message=b"dropped by the test")

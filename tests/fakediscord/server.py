"""The server: REST routes, channels and messages, rate limits and nonces; the gateway is in gateway.py."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

from aiohttp import web

from tests.fakediscord import payloads as p
from tests.fakediscord.faults import AFTER, BEFORE, SLOW, Fault, Faults
from tests.fakediscord.gateway import GatewayRoutes
from tests.fakediscord.http import VIA, error, json_response
from tests.fakediscord.interactions import InteractionRoutes
from tests.fakediscord.limits import (
    CHANNEL_MESSAGES,
    GLOBAL,
    RateLimit,
    RateLimitHit,
    Window,
    bucket_headers,
    message_problems,
    too_many_requests,
)
from tests.fakediscord.records import Post, Rejection

API = "/api/v10"
MESSAGES_BUCKET = "fake-channel-messages"


class FakeDiscord(InteractionRoutes, GatewayRoutes):
    """A Discord-compatible server on 127.0.0.1 that records what the bot does.

    ``channel_limit`` is the per-channel message bucket (5 per 5 s), ``global_limit`` the
    bot-wide request limit (50 per second, sliding); pass ``None`` to switch either off.
    ``nonce_ttl`` is how long an ``enforce_nonce`` post is remembered (per author, as Discord
    documents it, so across channels); ``interaction_deadline`` how long the bot has to answer an
    interaction (``None``: forever). ``clock`` is monotonic and drives every limit and record.
    ``faults`` injects 500s and slow answers (``tests/fakediscord/faults.py``); :meth:`drop_gateway`
    closes the gateway (all of it, or one shard's connections), and the bot's RESUME gets the
    events it missed. The gateway is sharded as Discord's is (``tests/fakediscord/gateway.py``):
    ``recommended_shards`` is what ``GET /gateway/bot`` recommends, and :meth:`add_guild` with
    ``guild_id=guild_id_on_shard(...)`` puts a guild on a chosen shard.
    """

    def __init__(
        self,
        *,
        channel_limit: RateLimit | None = CHANNEL_MESSAGES,
        global_limit: RateLimit | None = GLOBAL,
        nonce_ttl: float = 300.0,
        interaction_deadline: float | None = 3.0,
        clock: Callable[[], float] = time.monotonic,
        faults: Faults | None = None,
        recommended_shards: int = 1,
    ) -> None:
        InteractionRoutes.__init__(self)
        GatewayRoutes.__init__(self, recommended_shards)
        self.faults = faults or Faults()
        self.channel_limit = channel_limit
        self.nonce_ttl = nonce_ttl
        self.interaction_deadline = interaction_deadline
        self.clock = clock
        self.identified = asyncio.Event()
        self.commands_synced = asyncio.Event()
        self.command_syncs = 0  # how many times a bot replaced the command set (exactly one process should)
        self.posted = asyncio.Event()
        self.commands: list[dict[str, Any]] = []  # the last synced set (global or guild)
        self.tokens_seen: list[str] = []
        self.posts: list[Post] = []
        self.rate_limited: list[RateLimitHit] = []
        self.rejected: list[Rejection] = []
        self.unhandled: list[str] = []
        self.events: list[tuple[str, dict[str, Any]]] = []  # gateway dispatches, in order
        self.invalid_requests = 0  # 401, 403 and 429 answers: Discord bans IPs with too many
        self.nonce_replays = 0
        self.ids = p.Snowflakes()
        self.guilds: dict[str, p.Guild] = {}
        self.channels: dict[str, p.Channel] = {}
        self.users: dict[str, dict[str, Any]] = {p.READER["id"]: p.READER, p.OWNER["id"]: p.OWNER}
        self._message_store: dict[str, dict[str, Any]] = {}
        self._nonces: dict[tuple[str, str], tuple[float, dict[str, Any]]] = {}
        self._windows: dict[str, Window] = {}
        self._global = Window(global_limit, clock) if global_limit else None
        guild = self._new_guild(p.GUILD_ID, "Loopback")
        self._new_channel(guild, "reading", channel_id=p.CHANNEL_ID)
        self._new_channel(guild, "after-dark", channel_id=p.AGE_RESTRICTED_CHANNEL_ID, nsfw=True)
        self.app = web.Application(middlewares=[self._global_limit])
        self.app.add_routes(
            [
                web.get(f"{API}/users/@me", self.me),
                web.post(f"{API}/users/@me/channels", self.open_dm),
                web.get(f"{API}/users/{{user}}", self.get_user),
                web.get(f"{API}/oauth2/applications/@me", self.application),
                web.put(f"{API}/applications/{{app}}/commands", self.put_commands),
                web.put(f"{API}/applications/{{app}}/guilds/{{guild}}/commands", self.put_commands),
                web.post(f"{API}/channels/{{channel}}/typing", self.typing),
                web.get(f"{API}/channels/{{channel}}", self.get_channel),
                web.get(f"{API}/channels/{{channel}}/messages", self.history),
                web.post(f"{API}/channels/{{channel}}/messages", self.create_message),
                web.get(f"{API}/channels/{{channel}}/messages/{{message}}", self.get_message),
                web.patch(f"{API}/channels/{{channel}}/messages/{{message}}", self.edit_message),
                web.post(f"{API}/channels/{{channel}}/messages/{{message}}/threads", self.thread_from_message),
                *self.interaction_routes(API),
                *self.gateway_routes(API),
                web.route("*", f"{API}/{{tail:.*}}", self.not_implemented),
            ]
        )
        self.runner: web.AppRunner | None = None
        self.port = 0

    # Lifecycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        self.runner = web.AppRunner(self.app)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        await self.close_gateways()
        if self.runner is not None:
            await self.runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # The world: guilds, channels, users ------------------------------------------------------

    def _new_guild(self, guild_id: str, name: str) -> p.Guild:
        guild = p.Guild(guild_id, name)
        guild.roles[guild_id] = p.role(guild_id, "@everyone", p.MEMBER_PERMISSIONS)
        self.guilds[guild_id] = guild
        return guild

    def _new_channel(
        self, guild: p.Guild, name: str, *, channel_id: str | None = None, nsfw: bool = False
    ) -> p.Channel:
        channel = p.Channel(channel_id or self.ids.next(), name, guild.id, nsfw=nsfw, position=len(guild.channels))
        guild.channels[channel.id] = channel
        self.channels[channel.id] = channel
        return channel

    async def add_guild(self, name: str, *, guild_id: str | int | None = None) -> str:
        """A new guild with one text channel, ``#reading``; announced to its shard if the bot is connected.

        ``guild_id`` (say ``guild_id_on_shard(1, 2)``) chooses the id, and with it the shard.
        """
        if guild_id is not None and str(guild_id) in self.guilds:
            raise ValueError(f"guild {guild_id} exists already")
        guild = self._new_guild(self.ids.next() if guild_id is None else str(guild_id), name)
        self._new_channel(guild, "reading")
        await self.dispatch("GUILD_CREATE", guild.payload())
        return guild.id

    def channel_named(self, guild_id: str | int, name: str = "reading") -> str:
        """The id of a guild's channel by name (KeyError if it has none by that name)."""
        for channel in self.guilds[str(guild_id)].channels.values():
            if channel.name == name:
                return channel.id
        raise KeyError(f"guild {guild_id} has no channel #{name}")

    async def add_channel(self, name: str, *, nsfw: bool = False, guild_id: str = p.GUILD_ID) -> str:
        """A new text channel; CHANNEL_CREATE reaches the bot if it is connected."""
        channel = self._new_channel(self.guilds[guild_id], name, nsfw=nsfw)
        await self.dispatch("CHANNEL_CREATE", channel.payload())
        return channel.id

    async def set_age_restricted(self, channel_id: str | int, flag: bool) -> None:
        """Turn a channel's age restriction on or off, as an admin would, with CHANNEL_UPDATE."""
        channel = self.channels[str(channel_id)]
        if channel.is_thread or channel.guild_id is None:
            raise ValueError("only guild channels carry the flag: threads follow their parent")
        channel.nsfw = flag
        await self.dispatch("CHANNEL_UPDATE", channel.payload())

    def age_restricted(self, channel_id: str | int) -> bool:
        """Whether a channel is age-restricted now; a thread follows its parent."""
        channel = self.channels[str(channel_id)]
        if channel.is_thread and channel.parent_id is not None:
            channel = self.channels[channel.parent_id]
        return channel.nsfw

    def user(self, name: str) -> dict[str, Any]:
        """A user by name, made on first use."""
        for user in self.users.values():
            if user["username"] == name:
                return user
        user = {"id": self.ids.next(), "username": name, "discriminator": "0", "global_name": name, "avatar": None}
        self.users[user["id"]] = user
        return user

    async def add_role(self, name: str, permissions: int, *, guild_id: str = p.GUILD_ID) -> str:
        guild = self.guilds[guild_id]
        role = p.role(self.ids.next(), name, permissions, position=len(guild.roles))
        guild.roles[role["id"]] = role
        await self.dispatch("GUILD_ROLE_CREATE", {"guild_id": guild_id, "role": role})
        return role["id"]

    # What a member does: messages and reactions (commands and buttons: interactions.py) ---------

    def _member(self, user: dict[str, Any] | str | None) -> dict[str, Any]:
        return self.user(user) if isinstance(user, str) else user or p.READER

    async def say(
        self, content: str, *, channel_id: str | int = p.CHANNEL_ID, user: dict[str, Any] | str | None = None
    ) -> dict[str, Any]:
        """A member posts a message; MESSAGE_CREATE reaches the shard of the channel's guild (a DM's: shard 0)."""
        channel = self.channels[str(channel_id)]
        who = self._member(user)
        message = p.message(self.ids.next(), channel, {"content": content}, author=who)
        self._message_store[message["id"]] = message
        event = dict(message)
        if channel.guild_id is not None:
            # Discord sends the author's member without its user, which discord.py fills in.
            event["member"] = {k: v for k, v in p.member(who).items() if k != "user"}
        await self.dispatch("MESSAGE_CREATE", event)
        return message

    async def react(
        self, message: Post | dict[str, Any] | str | int, emoji: str, *, user: dict[str, Any] | str | None = None
    ) -> None:
        """A member adds a (unicode) reaction to a message: MESSAGE_REACTION_ADD, to the guild's shard."""
        await self._reaction("MESSAGE_REACTION_ADD", message, emoji, self._member(user))

    async def unreact(
        self, message: Post | dict[str, Any] | str | int, emoji: str, *, user: dict[str, Any] | str | None = None
    ) -> None:
        """A member takes a reaction back: MESSAGE_REACTION_REMOVE, to the guild's shard."""
        await self._reaction("MESSAGE_REACTION_REMOVE", message, emoji, self._member(user))

    async def _reaction(
        self, event: str, message: Post | dict[str, Any] | str | int, emoji: str, who: dict[str, Any]
    ) -> None:
        if isinstance(message, Post):
            message = message.id
        payload = self.message(message["id"] if isinstance(message, dict) else message)
        channel = self.channels[payload["channel_id"]]
        data: dict[str, Any] = {
            "user_id": who["id"],
            "channel_id": channel.id,
            "message_id": payload["id"],
            "emoji": {"id": None, "name": emoji},
            "burst": False,
            "type": 0,
        }
        if channel.guild_id is not None:
            data["guild_id"] = channel.guild_id
        if event == "MESSAGE_REACTION_ADD":  # only an add names the author and carries the member
            data["message_author_id"] = payload["author"]["id"]
            if channel.guild_id is not None:
                data["member"] = p.member(who)
        await self.dispatch(event, data)

    # What was posted --------------------------------------------------------------------------

    @property
    def messages(self) -> list[dict[str, Any]]:
        """The payloads of every channel post, in order."""
        return [post.payload for post in self.posts]

    def posts_in(self, channel_id: str | int) -> list[Post]:
        return [post for post in self.posts if post.channel_id == str(channel_id)]

    def message(self, message_id: str | int) -> dict[str, Any]:
        """Any message the server holds: channel posts, interaction replies, follow-ups."""
        return self._message_store[str(message_id)]

    async def until(self, condition: Callable[[], object], within: float = 10.0) -> None:
        """Wait until ``condition()`` is true, checking every 10 ms (TimeoutError after ``within`` s)."""
        async with asyncio.timeout(within):
            while not condition():  # noqa: ASYNC110 - any condition over the records, not one event
                await asyncio.sleep(0.01)

    # Middleware: the global limit and the invalid-request count ------------------------------

    @web.middleware
    async def _global_limit(self, request: web.Request, handler: Any) -> web.StreamResponse:
        path = request.path
        # Interaction callbacks and webhooks are not counted against the global limit.
        counted = path.startswith(API) and not path.startswith((f"{API}/interactions/", f"{API}/webhooks/"))
        wait = self._global.take() if counted and self._global is not None else 0.0
        if wait:
            response: web.StreamResponse = self._limited("global", request, None, wait)
        else:
            response = await handler(request)
            if counted and self.faults.roll(self.faults.slow):
                self.faults.injected.append(Fault(SLOW, request.method, path, self.clock()))
                await asyncio.sleep(self.faults.delay)
        if response.status in (401, 403, 429):
            self.invalid_requests += 1
        return response

    def _limited(self, scope: str, request: web.Request, channel_id: str | None, wait: float) -> web.Response:
        self.rate_limited.append(RateLimitHit(scope, request.method, request.path, channel_id, wait, self.clock()))
        if scope == "global":
            return too_many_requests(wait, is_global=True)
        headers = bucket_headers(self._windows[channel_id or ""], MESSAGES_BUCKET)
        return too_many_requests(wait, is_global=False, headers=headers)

    # REST: users and the application ---------------------------------------------------------

    async def me(self, request: web.Request) -> web.Response:
        self.tokens_seen.append(request.headers.get("Authorization", ""))
        return json_response(p.BOT_USER)

    async def get_user(self, request: web.Request) -> web.Response:
        user = self.users.get(request.match_info["user"])
        return json_response(user) if user else error(404, 10013, "Unknown User")

    async def open_dm(self, request: web.Request) -> web.Response:
        recipient = str((await request.json())["recipient_id"])
        user = self.users.get(recipient)
        if user is None:
            return error(404, 10013, "Unknown User")
        channel = next((c for c in self.channels.values() if c.recipient is user), None)
        if channel is None:
            channel = p.Channel(self.ids.next(), "", None, type=p.DM, recipient=user)
            self.channels[channel.id] = channel
        return json_response(channel.payload())

    async def application(self, request: web.Request) -> web.Response:
        return json_response(p.application())

    async def put_commands(self, request: web.Request) -> web.Response:
        body = await request.json()
        scope = request.match_info.get("guild", "global")
        self.commands = [{**c, "id": self.ids.next(), "application_id": p.APP_ID, "version": "1"} for c in body]
        self.command_sets[scope] = self.commands
        self.command_syncs += 1
        self.commands_synced.set()
        return json_response(self.commands)

    # REST: channels and messages -------------------------------------------------------------

    def _channel(self, request: web.Request) -> p.Channel | None:
        return self.channels.get(request.match_info["channel"])

    async def typing(self, request: web.Request) -> web.Response:
        if self._channel(request) is None:
            return error(404, 10003, "Unknown Channel")
        return web.Response(status=204, headers={"Via": VIA})

    async def get_channel(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        return json_response(channel.payload()) if channel else error(404, 10003, "Unknown Channel")

    async def history(self, request: web.Request) -> web.Response:
        """Newest first, as Discord answers; ``after`` returns the oldest ``limit`` after the id."""
        channel = self._channel(request)
        if channel is None:
            return error(404, 10003, "Unknown Channel")
        limit = min(max(int(request.query.get("limit", 50)), 1), 100)
        found = sorted(
            (m for m in self._message_store.values() if m["channel_id"] == channel.id and not m["flags"] & p.EPHEMERAL),
            key=lambda m: int(m["id"]),
        )
        if "after" in request.query:
            found = [m for m in found if int(m["id"]) > int(request.query["after"])][:limit]
        else:
            if "before" in request.query:
                found = [m for m in found if int(m["id"]) < int(request.query["before"])]
            found = found[-limit:]
        return json_response(found[::-1])

    async def read_body(self, request: web.Request) -> tuple[dict[str, Any], bool]:
        """The JSON body, from JSON or from a multipart upload's ``payload_json``; and whether files came."""
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            body = json.loads(str(form.get("payload_json") or "{}"))
            uploads = [f for f in form.values() if isinstance(f, web.FileField)]
            body["attachments"] = [
                {
                    "id": self.ids.next(),
                    "filename": f.filename,
                    "size": len(f.file.read()),
                    "url": f"https://cdn.invalid/{f.filename}",
                    "proxy_url": f"https://cdn.invalid/{f.filename}",
                }
                for f in uploads
            ]
            return body, bool(uploads)
        if not request.can_read_body:
            return {}, False
        return await request.json(), False

    def refuse(self, request: web.Request, body: dict[str, Any], has_files: bool) -> web.Response | None:
        code, problems = message_problems(body, has_files=has_files)
        if not code:
            return None
        self.rejected.append(Rejection(request.method, request.path, code, tuple(problems)))
        return error(400, code, "Cannot send an empty message" if code == 50006 else "Invalid Form Body", problems)

    def store_message(self, channel: p.Channel, body: dict[str, Any]) -> dict[str, Any]:
        message = p.message(self.ids.next(), channel, body)
        self._message_store[message["id"]] = message
        return message

    async def create_message(self, request: web.Request) -> web.Response:
        channel = self._channel(request)
        if channel is None:
            return error(404, 10003, "Unknown Channel")
        if self.faults.roll(self.faults.fail_before):
            self.faults.injected.append(Fault(BEFORE, request.method, request.path, self.clock()))
            return error(500, 0, "500: Internal Server Error")
        headers: dict[str, str] = {}
        if self.channel_limit is not None:
            window = self._windows.setdefault(channel.id, Window(self.channel_limit, self.clock))
            wait = window.take()
            if wait:
                return self._limited("channel", request, channel.id, wait)
            headers = bucket_headers(window, MESSAGES_BUCKET)
        body, has_files = await self.read_body(request)
        refusal = self.refuse(request, body, has_files)
        if refusal is not None:
            return refusal
        now = self.clock()
        nonce = None if body.get("nonce") is None else str(body["nonce"])
        key = (p.APP_ID, nonce or "")
        if nonce is not None and body.get("enforce_nonce"):
            seen = self._nonces.get(key)
            if seen is not None and now - seen[0] < self.nonce_ttl:
                self.nonce_replays += 1
                return json_response(seen[1], headers=headers)
        message = self.store_message(channel, body)
        if nonce is not None:
            self._nonces[key] = (now, message)
        age_restricted = channel.guild_id is not None and self.age_restricted(channel.id)
        self.posts.append(Post(message["id"], channel.id, message["content"], nonce, now, age_restricted, message))
        self.posted.set()
        if self.faults.roll(self.faults.fail_after):
            self.faults.injected.append(Fault(AFTER, request.method, request.path, self.clock()))
            return error(500, 0, "500: Internal Server Error")
        return json_response(message, headers=headers)

    def _message(self, request: web.Request) -> dict[str, Any] | None:
        message = self._message_store.get(request.match_info["message"])
        return message if message and message["channel_id"] == request.match_info["channel"] else None

    async def get_message(self, request: web.Request) -> web.Response:
        message = self._message(request)
        return json_response(message) if message else error(404, 10008, "Unknown Message")

    async def edit_message(self, request: web.Request) -> web.Response:
        message = self._message(request)
        if message is None:
            return error(404, 10008, "Unknown Message")
        body, has_files = await self.read_body(request)
        edited = p.edit(message, body)
        refusal = self.refuse(request, edited, has_files)
        if refusal is not None:
            return refusal
        self._message_store[edited["id"]] = edited
        return json_response(edited)

    async def thread_from_message(self, request: web.Request) -> web.Response:
        """A public thread started from a message; it takes the message's id, as on Discord."""
        parent, message = self._channel(request), self._message(request)
        if parent is None or message is None or parent.guild_id is None:
            return error(404, 10008, "Unknown Message")
        if parent.is_thread:
            return error(400, 50024, "Cannot execute action on this channel type")
        if message["id"] in self.channels:
            return error(400, 160004, "A thread has already been created for this message")
        body = await request.json()
        name = str(body.get("name") or "")
        if not 1 <= len(name) <= 100:
            return error(400, 50035, "Invalid Form Body", [f"name: {len(name)} characters, must be 1 to 100"])
        thread = p.Channel(message["id"], name, parent.guild_id, type=p.PUBLIC_THREAD, parent_id=parent.id)
        self.channels[thread.id] = self.guilds[parent.guild_id].channels[thread.id] = thread
        message["thread"] = thread.payload()
        await self.dispatch("THREAD_CREATE", {**thread.payload(), "newly_created": True})
        member = {"id": thread.id, "user_id": p.APP_ID, "join_timestamp": thread.created, "flags": 0}
        return json_response({**thread.payload(), "member": member}, status=201)

    async def not_implemented(self, request: web.Request) -> web.Response:
        self.unhandled.append(f"{request.method} {request.path}")
        return error(404, 0, f"the fake Discord does not implement {request.method} {request.path}")

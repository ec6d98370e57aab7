"""The loopback Discord server itself: its limits, nonces, channels and interactions.

Most tests talk to it with plain aiohttp, as any client would, on a hand-driven clock; the
last one runs a real discord.py client against it, to show the payloads are ones discord.py
accepts (CHANNEL_UPDATE reaching ``is_nsfw()``, history by date, threads, a global 429).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
import discord
import pytest
import yarl

from tests.fake_discord import (
    AGE_RESTRICTED_CHANNEL_ID,
    CHANNEL_ID,
    EPHEMERAL,
    MANAGE_GUILD,
    MEMBER_PERMISSIONS,
    CommandRefused,
    FakeDiscord,
    RateLimit,
)

AUTH = {"Authorization": "Bot fake-token"}


class Clock:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def server(clock: Clock) -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord(clock=clock)
    await fake.start()
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers=AUTH) as session:
        yield session


@dataclass
class Answer:
    status: int
    headers: Mapping[str, str]
    json: Any


async def post(http: aiohttp.ClientSession, server: FakeDiscord, channel: str, **body: Any) -> Answer:
    async with http.post(f"{server.api_url}/channels/{channel}/messages", json=body) as response:
        return Answer(response.status, response.headers, json.loads(await response.read()))


# Rate limits ---------------------------------------------------------------------------------


async def test_sixth_message_in_five_seconds_in_one_channel_is_a_429(server, http, clock):
    for n in range(5):
        response = await post(http, server, CHANNEL_ID, content=f"part {n}")
        assert response.status == 200
        assert response.headers["X-RateLimit-Remaining"] == str(4 - n)
        assert response.headers["Content-Type"] == "application/json"
    clock.now += 4.0
    async with http.post(f"{server.api_url}/channels/{CHANNEL_ID}/messages", json={"content": "six"}) as response:
        body = await response.json()
        assert response.status == 429
        assert body["global"] is False and body["retry_after"] == pytest.approx(1.0)
        assert response.headers["Retry-After"] == "1"
        assert response.headers["X-RateLimit-Scope"] == "user"
        assert response.headers["X-RateLimit-Remaining"] == "0"
        assert float(response.headers["X-RateLimit-Reset-After"]) == pytest.approx(1.0)
        assert response.headers["Via"]  # without it discord.py takes a 429 for a Cloudflare ban

    assert (await post(http, server, AGE_RESTRICTED_CHANNEL_ID, content="another channel")).status == 200
    assert [(hit.scope, hit.channel_id) for hit in server.rate_limited] == [("channel", CHANNEL_ID)]
    assert server.invalid_requests == 1
    assert len(server.posts_in(CHANNEL_ID)) == 5

    clock.now += 1.0  # the window has passed: the bucket is full again
    assert (await post(http, server, CHANNEL_ID, content="six, later")).status == 200


async def test_global_limit_is_a_strict_sliding_window(clock, http):
    server = FakeDiscord(global_limit=RateLimit(3, 1.0, sliding=True), clock=clock)
    await server.start()
    try:

        async def me() -> int:
            async with http.get(f"{server.api_url}/users/@me") as response:
                return response.status

        statuses = []
        for step in (0.0, 0.6, 0.1, 0.3, 0.05):  # t = 0, 0.6, 0.7, 1.0, 1.05
            clock.now += step
            statuses.append(await me())
        assert statuses == [200, 200, 200, 200, 429]  # at 1.05, three requests fall within the last second
        hit = server.rate_limited[-1]
        assert hit.scope == "global" and hit.retry_after == pytest.approx(0.55)

        async with http.get(f"{server.api_url}/users/@me") as response:
            assert response.status == 429
            assert response.headers["X-RateLimit-Global"] == "true"
            assert (await response.json())["global"] is True
        assert server.invalid_requests == 2
    finally:
        await server.stop()


# Messages and nonces ---------------------------------------------------------------------------


async def test_enforced_nonce_returns_the_first_message(server, http, clock):
    first = (await post(http, server, CHANNEL_ID, content="one", nonce="s1i1p1", enforce_nonce=True)).json
    again = (await post(http, server, CHANNEL_ID, content="one", nonce="s1i1p1", enforce_nonce=True)).json
    assert again["id"] == first["id"] and first["nonce"] == "s1i1p1"
    assert len(server.posts) == 1 and server.nonce_replays == 1

    unenforced = (await post(http, server, CHANNEL_ID, content="one", nonce="s1i1p1")).json
    assert unenforced["id"] != first["id"]

    clock.now += server.nonce_ttl + 1
    later = (await post(http, server, CHANNEL_ID, content="one", nonce="s1i1p1", enforce_nonce=True)).json
    assert later["id"] != first["id"]
    post_record = server.posts[0]
    assert (post_record.channel_id, post_record.content, post_record.nonce) == (CHANNEL_ID, "one", "s1i1p1")
    assert post_record.at == 1000.0 and post_record.age_restricted is False


async def test_messages_discord_would_refuse_are_400s(server, http):
    too_long = await post(http, server, CHANNEL_ID, content="x" * 2001)
    empty = await post(http, server, CHANNEL_ID, content="")
    big_embeds = await post(http, server, CHANNEL_ID, embeds=[{"description": "x" * 4000}, {"description": "y" * 2001}])
    long_nonce = await post(http, server, CHANNEL_ID, content="fine", nonce="n" * 26)
    assert [r.status for r in (too_long, empty, big_embeds, long_nonce)] == [400] * 4
    assert [r.code for r in server.rejected] == [50035, 50006, 50035, 50035]
    assert "content: 2001 > 2000" in server.rejected[0].problems
    assert not server.posts
    assert (await post(http, server, CHANNEL_ID, content="x" * 2000)).status == 200


async def test_history_after_an_id_and_fetch_channel(server, http):
    ids = [(await post(http, server, CHANNEL_ID, content=f"m{n}")).json["id"] for n in range(4)]
    async with http.get(f"{server.api_url}/channels/{CHANNEL_ID}/messages", params={"after": ids[0], "limit": 2}) as r:
        page = await r.json()
    assert [m["id"] for m in page] == [ids[2], ids[1]]  # the oldest two after it, newest first
    async with http.get(f"{server.api_url}/channels/{CHANNEL_ID}/messages", params={"limit": 2}) as r:
        assert [m["id"] for m in await r.json()] == [ids[3], ids[2]]

    async with http.get(f"{server.api_url}/channels/{AGE_RESTRICTED_CHANNEL_ID}") as r:
        channel = await r.json()
    assert channel["nsfw"] is True and channel["type"] == 0 and channel["name"] == "after-dark"
    async with http.get(f"{server.api_url}/channels/1") as r:
        assert r.status == 404 and (await r.json())["code"] == 10003


async def test_thread_from_a_message_follows_its_parent(server, http):
    starter = (await post(http, server, CHANNEL_ID, content="Chapter 1")).json
    url = f"{server.api_url}/channels/{CHANNEL_ID}/messages/{starter['id']}/threads"
    async with http.post(url, json={"name": "Chapter 1", "auto_archive_duration": 1440}) as r:
        thread = await r.json()
    assert thread["id"] == starter["id"] and thread["type"] == 11 and thread["parent_id"] == CHANNEL_ID
    async with http.post(url, json={"name": "again"}) as r:
        assert r.status == 400 and (await r.json())["code"] == 160004

    await server.set_age_restricted(CHANNEL_ID, True)
    await post(http, server, thread["id"], content="in the thread")
    assert server.posts[-1].channel_id == thread["id"] and server.posts[-1].age_restricted is True
    with pytest.raises(ValueError, match="follow their parent"):
        await server.set_age_restricted(thread["id"], False)


# The gateway and interactions ---------------------------------------------------------------


async def connect(http: aiohttp.ClientSession, server: FakeDiscord) -> aiohttp.ClientWebSocketResponse:
    ws = await http.ws_connect(server.gateway_url)
    assert (await ws.receive_json())["op"] == 10
    await ws.send_json({"op": 2, "d": {"token": "fake-token", "intents": 0, "properties": {}}})
    assert (await ws.receive_json())["t"] == "READY"
    guild = (await ws.receive_json())["d"]
    assert {c["name"]: c["nsfw"] for c in guild["channels"]} == {"reading": False, "after-dark": True}
    return ws


async def test_channel_update_reaches_the_gateway(server, http):
    ws = await connect(http, server)
    await server.set_age_restricted(CHANNEL_ID, True)
    event = await ws.receive_json()
    assert event["op"] == 0 and event["t"] == "CHANNEL_UPDATE"
    channel = event["d"]
    assert channel["id"] == CHANNEL_ID and channel["nsfw"] is True
    assert {"guild_id", "type", "name", "position", "permission_overwrites"} <= channel.keys()
    assert server.age_restricted(CHANNEL_ID)
    await ws.close()


async def sync(http: aiohttp.ClientSession, server: FakeDiscord, *commands: dict[str, Any]) -> None:
    async with http.put(f"{server.api_url}/applications/1/commands", json=list(commands)) as r:
        assert r.status == 200


async def test_commands_as_a_member_and_ephemeral_button_replies(server, http, clock):
    await sync(
        http,
        server,
        {"name": "settings", "description": "d", "default_member_permissions": str(MANAGE_GUILD)},
        {"name": "read", "description": "d", "nsfw": True},
    )
    ws = await connect(http, server)
    with pytest.raises(CommandRefused, match="hidden"):
        await server.invoke("settings")
    with pytest.raises(CommandRefused, match="age-restricted"):
        await server.invoke("read", channel_id=CHANNEL_ID)

    await server.invoke("settings", strict=False, user="alice")  # as if Discord let it through
    event = await ws.receive_json()
    assert event["t"] == "INTERACTION_CREATE"
    member = event["d"]["member"]
    assert member["user"]["username"] == "alice" and int(member["permissions"]) == MEMBER_PERMISSIONS

    admin = await server.invoke("settings", permissions=MEMBER_PERMISSIONS | MANAGE_GUILD)
    role = (await ws.receive_json())["d"]  # GUILD_ROLE_CREATE: guild permissions agree with the payload
    assert int(role["role"]["permissions"]) & MANAGE_GUILD
    assert (await ws.receive_json())["d"]["member"]["roles"] == [role["role"]["id"]]
    assert admin.response is None

    button = {"type": 2, "style": 2, "label": "Pause", "custom_id": "live:pause:3"}
    card = (await post(http, server, CHANNEL_ID, content="card", components=[{"type": 1, "components": [button]}])).json
    with pytest.raises(CommandRefused, match="no component"):
        await server.press(card["id"], "live:stop:3")
    pressed = await server.press(server.posts[-1], "live:pause:3")
    event = (await ws.receive_json())["d"]
    assert event["type"] == 3 and event["data"] == {"custom_id": "live:pause:3", "component_type": 2}
    assert event["message"]["id"] == card["id"]

    callback = f"{server.api_url}/interactions/{pressed.id}/{pressed.token}/callback"
    reply = {"type": 4, "data": {"content": "Only the reader who started it can pause.", "flags": EPHEMERAL}}
    async with http.post(callback, params={"with_response": "1"}, json=reply) as r:
        answer = await r.json()
    assert answer["resource"]["message"]["flags"] == EPHEMERAL
    await pressed.wait(1)
    assert pressed.response_type == 4 and pressed.ephemeral
    async with http.post(callback, json=reply) as r:
        assert r.status == 400 and (await r.json())["code"] == 40060

    late = await server.press(card["id"], "live:pause:3")
    clock.now += 3.5
    late_callback = f"{server.api_url}/interactions/{late.id}/{late.token}/callback"
    async with http.post(late_callback, json=reply) as r:
        assert r.status == 404 and (await r.json())["code"] == 10062
    await ws.close()


# discord.py against the server ---------------------------------------------------------------


async def test_discord_py_accepts_the_payloads():
    server = FakeDiscord(global_limit=RateLimit(4, 0.5, sliding=True))
    await server.start()
    saved = discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY
    discord.http.Route.BASE = server.api_url
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(server.gateway_url)
    client = discord.Client(intents=discord.Intents.default(), guild_ready_timeout=0.1)
    updated = asyncio.Event()
    client.event(_set_on_update(updated))
    runner = asyncio.create_task(client.start("fake-token"))
    try:
        await asyncio.wait_for(client.wait_until_ready(), 10)
        channel = client.get_channel(int(CHANNEL_ID))
        assert isinstance(channel, discord.TextChannel) and not channel.is_nsfw()

        await server.set_age_restricted(CHANNEL_ID, True)
        await asyncio.wait_for(updated.wait(), 5)
        assert channel.is_nsfw()

        since = datetime.now(UTC) - timedelta(seconds=1)
        first = await channel.send("a line of the story", nonce="l3p1")
        again = await channel.send("a line of the story", nonce="l3p1")
        assert again.id == first.id and len(server.posts) == 1 and server.posts[0].age_restricted
        found = [m.id async for m in channel.history(limit=50, after=since)]
        assert found == [first.id]

        thread = await first.create_thread(name="Chapter 1")
        assert thread.id == first.id and thread.parent_id == channel.id
        fetched = await client.fetch_channel(int(AGE_RESTRICTED_CHANNEL_ID))
        assert isinstance(fetched, discord.TextChannel) and fetched.is_nsfw()

        for _ in range(6):  # over the global limit: discord.py waits out the 429 and retries
            await client.fetch_channel(int(CHANNEL_ID))
        assert any(hit.scope == "global" for hit in server.rate_limited)
        assert not server.unhandled
    finally:
        await client.close()
        await asyncio.wait_for(runner, 5)
        discord.http.Route.BASE, discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = saved
        await server.stop()


def _set_on_update(updated: asyncio.Event) -> Any:
    async def on_guild_channel_update(before: discord.abc.GuildChannel, after: discord.abc.GuildChannel) -> None:
        updated.set()

    return on_guild_channel_update


async def test_a_modal_opened_by_a_command_can_be_submitted(server, http):
    await sync(http, server, {"name": "feedback", "description": "d"})
    ws = await connect(http, server)
    opened = await server.invoke("feedback", [{"name": "title", "type": 3, "value": "fight-for-me"}])
    await ws.receive_json()
    text = {"type": 4, "custom_id": "feedback_text", "style": 2, "label": "Your feedback", "max_length": 2000}
    modal = {
        "custom_id": "feedback:1",
        "title": "Feedback: Fight For Me",
        "components": [{"type": 18, "component": text}],
    }
    async with http.post(
        f"{server.api_url}/interactions/{opened.id}/{opened.token}/callback", json={"type": 9, "data": modal}
    ) as r:
        assert r.status == 200
    submitted = await server.submit_modal(opened, {"feedback_text": "Loved the ending."})
    event = (await ws.receive_json())["d"]
    assert event["type"] == 5 and event["id"] == submitted.id
    assert event["data"] == {
        "custom_id": "feedback:1",
        "components": [
            {"type": 18, "component": {"type": 4, "custom_id": "feedback_text", "value": "Loved the ending."}}
        ],
    }
    await ws.close()

"""The loopback Discord server's sharded gateway: each connection gets only its shard's guilds and events.

A guild is on shard ``(guild_id >> 22) % shard_count`` and events without a guild go to shard 0,
as on Discord. The first tests speak the gateway with plain aiohttp sockets; the last ones run
real discord.py clients, two plain ``Client``s with a shard each and one ``AutoShardedClient``.

To show that an event did *not* reach a connection, a test sends that connection one more event
afterwards and checks it is the next thing it reads: a connection's events arrive in order.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import discord
import pytest
import yarl

from tests.fake_discord import (
    APP_ID,
    CHANNEL_ID,
    GUILD_ID,
    USER_ID,
    FakeDiscord,
    guild_id_on_shard,
    shard_of,
)
from tests.fakediscord.payloads import Snowflakes

AUTH = {"Authorization": "Bot fake-token"}

# The default guild is on shard 0 of 2; these three are made to land on a chosen shard.
ON_0 = guild_id_on_shard(0, 2)
ON_1 = guild_id_on_shard(1, 2)
ALSO_ON_1 = guild_id_on_shard(1, 2, 1)
SHARD_0_GUILDS = {GUILD_ID, ON_0}
SHARD_1_GUILDS = {ON_1, ALSO_ON_1}


class _Any:
    """Equal to anything: for a part of an event that discord.py checks, in the last tests."""

    def __eq__(self, other: object) -> bool:
        return True


ANY = _Any()


@pytest.fixture
async def server() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord(recommended_shards=2)
    await fake.start()
    await fake.add_guild("Zero", guild_id=ON_0)
    await fake.add_guild("One", guild_id=ON_1)
    await fake.add_guild("Also one", guild_id=ALSO_ON_1)
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(headers=AUTH) as session:
        yield session


async def sync(http: aiohttp.ClientSession, server: FakeDiscord) -> None:
    async with http.put(f"{server.api_url}/applications/{APP_ID}/commands", json=[{"name": "ping"}]) as r:
        assert r.status == 200


# The gateway over plain sockets ----------------------------------------------------------------


class Connection:
    """A raw gateway connection: what READY said, the guilds created after it, every ``s`` read."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse, ready: dict[str, Any] | None = None) -> None:
        self.ws = ws
        self.ready: dict[str, Any] = ready or {}
        self.created: list[str] = []
        self.seqs: list[int] = []

    @property
    def ready_guilds(self) -> set[str]:
        return {g["id"] for g in self.ready["guilds"]}

    async def next(self) -> tuple[str, dict[str, Any]]:
        frame = await asyncio.wait_for(self.ws.receive_json(), 5)
        assert frame["op"] == 0, frame
        self.seqs.append(frame["s"])
        return frame["t"], frame["d"]


async def identify(
    http: aiohttp.ClientSession, server: FakeDiscord, shard: tuple[int, int] | None = None
) -> Connection:
    ws = await http.ws_connect(server.gateway_url)
    assert (await ws.receive_json())["op"] == 10
    data: dict[str, Any] = {"token": "fake-token", "intents": 0, "properties": {}}
    if shard is not None:
        data["shard"] = list(shard)
    await ws.send_json({"op": 2, "d": data})
    connection = Connection(ws)
    kind, connection.ready = await connection.next()
    assert kind == "READY"
    for _ in connection.ready["guilds"]:
        kind, guild = await connection.next()
        assert kind == "GUILD_CREATE"
        connection.created.append(guild["id"])
    return connection


async def test_ready_lists_only_the_guilds_on_the_connections_shard(server, http):
    zero, one = await identify(http, server, (0, 2)), await identify(http, server, (1, 2))
    unsharded = await identify(http, server)

    assert zero.ready["shard"] == [0, 2] and one.ready["shard"] == [1, 2] and unsharded.ready["shard"] == [0, 1]
    assert zero.ready_guilds == set(zero.created) == SHARD_0_GUILDS
    assert one.ready_guilds == set(one.created) == SHARD_1_GUILDS
    assert unsharded.ready_guilds == set(unsharded.created) == SHARD_0_GUILDS | SHARD_1_GUILDS
    assert server.shards_connected == [(0, 2), (1, 2), (0, 1)]
    assert {zero.ready["session_id"], one.ready["session_id"], unsharded.ready["session_id"]} == {
        "fake-session-1",
        "fake-session-2",
        "fake-session-3",
    }


async def test_each_event_reaches_only_the_shard_that_owns_its_guild(server, http):
    await sync(http, server)
    zero, one = await identify(http, server, (0, 2)), await identify(http, server, (1, 2))
    reading_1 = server.channel_named(ON_1)

    late = await server.add_guild("Late", guild_id=guild_id_on_shard(1, 2, 2))
    assert await one.next() == ("GUILD_CREATE", server.guilds[late].payload())
    await server.invoke("ping", channel_id=reading_1)
    kind, interaction = await one.next()
    assert kind == "INTERACTION_CREATE" and interaction["guild_id"] == ON_1
    said = await server.say("hello", channel_id=reading_1)
    assert await one.next() == ("MESSAGE_CREATE", {**said, "member": ANY})
    await server.react(said["id"], "👍")
    kind, reaction = await one.next()
    assert kind == "MESSAGE_REACTION_ADD" and reaction["guild_id"] == ON_1 and reaction["emoji"]["name"] == "👍"
    await server.unreact(said["id"], "👍")
    assert (await one.next())[0] == "MESSAGE_REACTION_REMOVE"
    channel = await server.add_channel("more", guild_id=ON_1)
    assert (await one.next())[1]["id"] == channel
    starter = await server.say("Chapter 1", channel_id=reading_1)
    async with http.post(
        f"{server.api_url}/channels/{reading_1}/messages/{starter['id']}/threads", json={"name": "1"}
    ) as r:
        assert r.status == 201
    assert [(await one.next())[0] for _ in range(2)] == ["MESSAGE_CREATE", "THREAD_CREATE"]

    # None of that reached shard 0: the next thing it reads is its own guild's event.
    await server.set_age_restricted(CHANNEL_ID, True)
    kind, update = await zero.next()
    assert kind == "CHANNEL_UPDATE" and update["id"] == CHANNEL_ID
    assert zero.seqs == list(range(1, len(zero.seqs) + 1))  # each session numbers its own events

    # A DM has no guild: it goes to shard 0, and shard 1 never sees it (nor the CHANNEL_UPDATE).
    async with http.post(f"{server.api_url}/users/@me/channels", json={"recipient_id": USER_ID}) as r:
        dm = (await r.json())["id"]
    await server.say("psst", channel_id=dm)
    kind, message = await zero.next()
    assert kind == "MESSAGE_CREATE" and message["channel_id"] == dm and "guild_id" not in message
    await server.say("marker", channel_id=server.channel_named(ALSO_ON_1))
    kind, marker = await one.next()
    assert kind == "MESSAGE_CREATE" and marker["content"] == "marker"
    assert one.seqs == list(range(1, len(one.seqs) + 1))
    assert [event for event, _ in server.events].count("MESSAGE_CREATE") == 4  # recorded once each


async def test_two_connections_on_one_shard_both_get_its_guilds_and_events(server, http):
    first, second = await identify(http, server, (1, 2)), await identify(http, server, (1, 2))
    assert first.ready_guilds == second.ready_guilds == SHARD_1_GUILDS
    assert set(first.created) == set(second.created) == SHARD_1_GUILDS
    assert server.shards_connected == [(1, 2), (1, 2)]
    said = await server.say("to both", channel_id=server.channel_named(ON_1))
    for connection in (first, second):
        kind, message = await connection.next()
        assert kind == "MESSAGE_CREATE" and message["id"] == said["id"]


async def test_a_resume_keeps_its_shard_and_a_drop_can_be_one_shards(server, http):
    zero, one = await identify(http, server, (0, 2)), await identify(http, server, (1, 2))
    closed, _ = await asyncio.gather(one.ws.receive(), server.drop_gateway(shard_id=1))
    assert closed.type == aiohttp.WSMsgType.CLOSE and closed.data == 4000
    assert server.shards_connected == [(0, 2)] and server.drops == 1

    missed = await server.say("while dropped", channel_id=server.channel_named(ON_1))
    live = await server.say("shard 0 is still up", channel_id=CHANNEL_ID)
    assert await zero.next() == ("MESSAGE_CREATE", live | {"member": ANY})

    ws = await http.ws_connect(server.gateway_url)
    assert (await ws.receive_json())["op"] == 10
    resume = {"token": "fake-token", "session_id": one.ready["session_id"], "seq": one.seqs[-1]}
    await ws.send_json({"op": 6, "d": resume})
    resumed = Connection(ws, one.ready)
    resumed.seqs = list(one.seqs)  # the session's numbering goes on
    assert await resumed.next() == ("MESSAGE_CREATE", missed | {"member": ANY})
    assert (await resumed.next())[0] == "RESUMED"  # and not shard 0's message
    assert server.resumes == 1 and server.shards_connected == [(0, 2), (1, 2)]

    await server.say("after", channel_id=CHANNEL_ID)
    await server.say("after, on 1", channel_id=server.channel_named(ALSO_ON_1))
    assert (await zero.next())[1]["content"] == "after"
    assert (await resumed.next())[1]["content"] == "after, on 1"
    assert resumed.seqs == list(range(1, len(resumed.seqs) + 1))

    stranger = await http.ws_connect(server.gateway_url)
    await stranger.receive_json()
    await stranger.send_json({"op": 6, "d": {**resume, "session_id": "fake-session-99"}})
    assert await stranger.receive_json() == {"op": 9, "d": False}


async def test_a_shard_outside_the_count_is_refused(server, http):
    ws = await http.ws_connect(server.gateway_url)
    await ws.receive_json()
    await ws.send_json({"op": 2, "d": {"token": "fake-token", "intents": 0, "properties": {}, "shard": [2, 2]}})
    closed = await ws.receive()
    assert closed.type == aiohttp.WSMsgType.CLOSE and closed.data == 4010
    assert server.shards_connected == []


async def test_gateway_bot_recommends_the_configured_shard_count(server, http):
    async with http.get(f"{server.api_url}/gateway/bot") as r:
        body = await r.json()
    assert body["url"] == server.gateway_url and body["shards"] == 2
    assert body["session_start_limit"]["max_concurrency"] == 1
    assert body["session_start_limit"]["remaining"] == body["session_start_limit"]["total"]
    await identify(http, server, (0, 2))
    async with http.get(f"{server.api_url}/gateway/bot") as r:
        assert (await r.json())["session_start_limit"]["remaining"] == body["session_start_limit"]["total"] - 1

    default = FakeDiscord()
    await default.start()
    try:
        async with http.get(f"{default.api_url}/gateway/bot") as r:
            assert (await r.json())["shards"] == 1
    finally:
        await default.stop()
    assert not server.unhandled


def test_guild_ids_on_a_shard_are_fixed_distinct_and_snowflake_like():
    made_now = int(Snowflakes().next())
    for count in range(1, 6):
        ids = [guild_id_on_shard(shard, count, n) for shard in range(count) for n in range(4)]
        assert len(set(ids)) == len(ids)
        for shard in range(count):
            for n in range(4):
                guild_id = guild_id_on_shard(shard, count, n)
                assert guild_id == guild_id_on_shard(shard, count, n)
                assert shard_of(guild_id, count) == shard
                assert 0 < int(guild_id) < made_now < 2**63  # from 2020: older than any id made now
    assert shard_of(GUILD_ID, 2) == 0 and shard_of(None, 4) == 0
    with pytest.raises(ValueError):
        guild_id_on_shard(2, 2)


# discord.py against the sharded gateway --------------------------------------------------------


@pytest.fixture
def discord_at(server: FakeDiscord, monkeypatch: pytest.MonkeyPatch) -> FakeDiscord:
    monkeypatch.setattr(discord.http.Route, "BASE", server.api_url)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(server.gateway_url))
    return server


class Recorder:
    """What one client was told, in order: messages, interactions and reactions, by guild."""

    def __init__(self, client: discord.Client) -> None:
        self.seen: list[tuple[str, int | None, str]] = []
        client.event(self.on_message)
        client.event(self.on_interaction)
        client.event(self.on_raw_reaction_add)

    async def on_message(self, message: discord.Message) -> None:
        self.seen.append(("message", message.guild and message.guild.id, message.content))

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        self.seen.append(("interaction", interaction.guild_id, str(interaction.data["name"])))

    async def on_raw_reaction_add(self, event: discord.RawReactionActionEvent) -> None:
        self.seen.append(("reaction", event.guild_id, str(event.emoji)))


@asynccontextmanager
async def running(*clients: discord.Client) -> AsyncIterator[None]:
    runners = [asyncio.create_task(client.start("fake-token")) for client in clients]
    try:
        for client, runner in zip(clients, runners, strict=True):
            ready = asyncio.create_task(client.wait_until_ready())
            await asyncio.wait([ready, runner], timeout=10, return_when=asyncio.FIRST_COMPLETED)
            if runner.done():
                runner.result()  # the client failed: show why
            assert ready.done(), "the client did not get ready"
        yield
    finally:
        for client in clients:
            await client.close()
        await asyncio.wait_for(asyncio.gather(*runners, return_exceptions=True), 5)


def sharded_client(shard_id: int, shard_count: int) -> discord.Client:
    return discord.Client(
        intents=discord.Intents.default(), shard_id=shard_id, shard_count=shard_count, guild_ready_timeout=0.1
    )


async def test_discord_py_clients_on_two_shards_each_see_their_own(discord_at, http):
    server = discord_at
    await sync(http, server)
    zero, one = sharded_client(0, 2), sharded_client(1, 2)
    seen_0, seen_1 = Recorder(zero), Recorder(one)
    async with running(zero, one):
        assert {str(g.id) for g in zero.guilds} == SHARD_0_GUILDS
        assert {str(g.id) for g in one.guilds} == SHARD_1_GUILDS
        assert {g.shard_id for g in one.guilds} == {1}

        said = await server.say("in a shard-1 guild", channel_id=server.channel_named(ON_1))
        await server.react(said["id"], "🔥")
        await server.invoke("ping", channel_id=server.channel_named(ALSO_ON_1))
        await server.invoke("ping", channel_id=CHANNEL_ID)
        await server.say("the end, 0", channel_id=CHANNEL_ID)
        await server.say("the end, 1", channel_id=server.channel_named(ON_1))
        await server.until(lambda: ("message", int(GUILD_ID), "the end, 0") in seen_0.seen)
        await server.until(lambda: ("message", int(ON_1), "the end, 1") in seen_1.seen)

    assert seen_0.seen == [("interaction", int(GUILD_ID), "ping"), ("message", int(GUILD_ID), "the end, 0")]
    assert seen_1.seen == [
        ("message", int(ON_1), "in a shard-1 guild"),
        ("reaction", int(ON_1), "🔥"),
        ("interaction", int(ALSO_ON_1), "ping"),
        ("message", int(ON_1), "the end, 1"),
    ]
    assert not server.unhandled


async def test_discord_py_clients_misconfigured_on_one_shard_both_get_it(discord_at):
    server = discord_at
    first, second = sharded_client(1, 2), sharded_client(1, 2)
    seen = [Recorder(first), Recorder(second)]
    async with running(first, second):
        assert {str(g.id) for g in first.guilds} == {str(g.id) for g in second.guilds} == SHARD_1_GUILDS
        assert server.shards_connected == [(1, 2), (1, 2)]
        await server.say("twice", channel_id=server.channel_named(ON_1))
        await server.until(lambda: all(r.seen for r in seen))
    assert [r.seen for r in seen] == [[("message", int(ON_1), "twice")]] * 2


class QuickShardedClient(discord.AutoShardedClient):
    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        """No 5 s pause between shards' IDENTIFYs: the fake does not limit them."""


async def test_discord_py_auto_sharded_client_takes_the_recommended_count_and_resumes_one_shard(discord_at):
    server = discord_at
    client = QuickShardedClient(intents=discord.Intents.default(), guild_ready_timeout=0.1)  # count from /gateway/bot
    seen = Recorder(client)
    resumed: list[int] = []
    client.event(_on_shard_resumed(resumed))
    async with running(client):
        assert client.shard_count == 2 and server.shards_connected == [(0, 2), (1, 2)]
        assert {str(g.id): g.shard_id for g in client.guilds} == {
            g: shard_of(g, 2) for g in SHARD_0_GUILDS | SHARD_1_GUILDS
        }

        await server.drop_gateway(shard_id=1)
        await server.say("while shard 1 was away", channel_id=server.channel_named(ON_1))
        await server.until(lambda: resumed == [1])
        await server.until(lambda: len(seen.seen) == 1)
        assert seen.seen == [("message", int(ON_1), "while shard 1 was away")]
        assert server.resumes == 1 and server.shards_connected == [(0, 2), (1, 2)]
    assert not server.unhandled


def _on_shard_resumed(resumed: list[int]) -> Any:
    async def on_shard_resumed(shard_id: int) -> None:
        resumed.append(shard_id)

    return on_shard_resumed

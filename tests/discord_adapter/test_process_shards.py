"""Several bot processes on one PostgreSQL, against the loopback Discord server routing guilds by shard.

Serials are released with ``/schedule post-now``: each interaction reaches only the process
running its guild's shard, as on Discord. Installments are several messages each, so a
process killed while one posts leaves it half done; every message must still appear
exactly once, in order.
"""

from __future__ import annotations

import asyncio
import re
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from tests.discord_adapter.test_process import bot_env
from tests.discord_adapter.test_process_gate import ADMIN, PARAGRAPH
from tests.fakediscord import FakeDiscord, guild_id_on_shard

# Four installments of a heading and two or three messages each, at ten minutes an installment.
SERIAL = "Title: Harbour Lights\nAuthor: Q\nRating: General Audiences\n\n" + "\n\n".join(
    f"Chapter {n}\n\n" + "\n\n".join(f"({n}.{k}) {PARAGRAPH}" for k in range(7)) for n in range(1, 5)
)
HEADING = re.compile(r"installment (\d+) of (\d+)")


def stories(tmp_path: Path) -> Path:
    folder = tmp_path / "stories"
    folder.mkdir(exist_ok=True)
    (folder / "harbour-lights.txt").write_text(SERIAL, encoding="utf-8")
    return folder


class Fleet:
    """Bot processes sharing one database, each with its own shards."""

    def __init__(self, tmp_path: Path, server: FakeDiscord, database_url: str) -> None:
        self.tmp_path, self.server, self.database_url = tmp_path, server, database_url
        self.processes: dict[str, asyncio.subprocess.Process] = {}
        self.logs: dict[str, list[str]] = {}

    async def start(self, name: str, shard_ids: str | None = None, shard_count: int | None = None) -> None:
        """Start a bot process on the shared database (or, without a URL, the SQLite file in ``data/``)."""
        before = len(self.server.shards_connected)
        env = bot_env(self.server, CLAIM_SECONDS="3", INSTALLMENT_MINUTES="10", LOG_LEVEL="INFO")  # claims expire soon
        env.pop("DATABASE_PATH", None)
        if self.database_url:
            env["DATABASE_URL"] = self.database_url
        if shard_count is not None:
            env["SHARD_COUNT"] = str(shard_count)
        if shard_ids is not None:
            env["SHARD_IDS"] = shard_ids
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=self.tmp_path, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        self.processes[name] = process
        self.logs.setdefault(name, [])
        asyncio.get_running_loop().create_task(self._collect(name, process))
        await self.server.until(lambda: len(self.server.shards_connected) > before, within=60)
        await asyncio.sleep(1.0)  # the bot takes in its guilds and starts its readings

    async def _collect(self, name: str, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        async for line in process.stdout:
            self.logs[name].append(line.decode(errors="replace").rstrip())

    def kill(self, name: str) -> None:
        self.processes[name].send_signal(signal.SIGKILL)

    async def stop_one(self, name: str) -> None:
        """SIGTERM, as an operator stops it: readings stop at a message boundary."""
        process = self.processes[name]
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 20)

    async def stop(self) -> None:
        for process in self.processes.values():
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                await asyncio.wait_for(process.wait(), 20)
            except TimeoutError:
                process.kill()
                await process.wait()

    def log(self) -> str:
        return "\n".join(f"[{name}] {line}" for name, lines in self.logs.items() for line in lines[-60:])


@asynccontextmanager
async def fleet(
    tmp_path: Path, database_url: str, guilds: list[str], **server_options: float
) -> AsyncIterator[tuple[FakeDiscord, Fleet]]:
    server = FakeDiscord(**server_options)
    await server.start()
    for n, guild_id in enumerate(guilds):
        await server.add_guild(f"Guild {n}", guild_id=guild_id)
    stories(tmp_path)
    bots = Fleet(tmp_path, server, database_url)
    try:
        yield server, bots
    finally:
        await bots.stop()
        await server.stop()


async def create_serial(server: FakeDiscord, guild_id: str) -> int:
    channel = server.channel_named(guild_id)
    created = await server.invoke(
        "schedule",
        [{"name": "create", "type": 1, "options": [
            {"name": "story", "type": 3, "value": "harbour-lights"},
            {"name": "channel", "type": 7, "value": channel},
        ]}],
        channel_id=channel, permissions=ADMIN,
    )  # fmt: skip
    await created.wait()
    footer = created.data["embeds"][0]["footer"]["text"]
    return int(re.match(r"Schedule #(\d+)", footer).group(1))


async def post_now(server: FakeDiscord, guild_id: str, schedule_id: int) -> None:
    channel = server.channel_named(guild_id)
    released = await server.invoke(
        "schedule",
        [{"name": "post-now", "type": 1, "options": [{"name": "schedule", "type": 4, "value": schedule_id}]}],
        channel_id=channel, permissions=ADMIN,
    )  # fmt: skip
    await released.wait()


def installments(server: FakeDiscord, guild_id: str) -> list[list[str]]:
    """The story messages in a guild's channel, grouped under their installment headings."""
    grouped: list[list[str]] = []
    for post in server.posts_in(server.channel_named(guild_id)):
        if HEADING.search(post.content) and post.content.startswith("📖"):
            grouped.append([post.content])
        elif grouped and not post.content.startswith(("⏸️", "⏭️", "✅", "— *The end")):
            grouped[-1].append(post.content)
    return grouped


def heading_numbers(server: FakeDiscord, guild_id: str) -> list[int]:
    return [int(HEADING.search(group[0]).group(1)) for group in installments(server, guild_id)]


def assert_exactly_once_in_order(server: FakeDiscord, guild_id: str, count: int, log: str) -> None:
    assert heading_numbers(server, guild_id) == list(range(1, count + 1)), log
    texts = [p.content for p in server.posts_in(server.channel_named(guild_id))]
    assert len(texts) == len(set(texts)), log  # every message once (every paragraph is numbered)
    sizes = {len(group) for group in installments(server, guild_id)}
    assert min(sizes) >= 3, sizes  # a heading and several messages: an installment can be cut in half


async def test_two_shard_processes_share_postgresql_and_a_killed_one_loses_and_repeats_nothing(tmp_path, postgres_url):
    guilds = [guild_id_on_shard(shard, 2, n) for shard in (0, 1) for n in (0, 1)]
    async with fleet(tmp_path, postgres_url, guilds) as (server, bots):
        await bots.start("shard-0", "0", 2)
        await bots.start("shard-1", "1", 2)
        assert sorted(server.shards_connected) == [(0, 2), (1, 2)]
        schedules = {guild: await create_serial(server, guild) for guild in guilds}
        rounds = 3
        for number in range(1, rounds + 1):
            for guild, schedule_id in schedules.items():
                await post_now(server, guild, schedule_id)
            if number == 2:  # shard 1's process dies while its guilds' second installments post
                await server.until(lambda: len((installments(server, guilds[2]) + [[]] * 2)[1]) >= 2, within=60)
                bots.kill("shard-1")
                await bots.processes["shard-1"].wait()
                half = len(installments(server, guilds[2])[1])
                await bots.start("shard-1", "1", 2)
            await all_out(server, guilds, number)
        log = bots.log()
    for guild in guilds:
        assert_exactly_once_in_order(server, guild, rounds, log)
    complete = len(installments(server, guilds[0])[1])
    assert half < complete, "the kill must land inside the installment"
    assert len(installments(server, guilds[2])[1]) == complete  # the rest came after the restart, once
    assert server.command_syncs == 1  # only shard 0's process synced the commands
    shard_of_log = {name: "\n".join(lines) for name, lines in bots.logs.items()}
    assert "Running shards 1 of 2" in shard_of_log["shard-1"]


async def test_a_misconfigured_pair_on_the_same_shard_posts_every_installment_once(tmp_path, postgres_url):
    """Both processes wake for every release. Discord's nonce would hide a duplicate sent within a
    few minutes; here it is forgotten at once, so only the claims keep the pair from doubling posts."""
    guilds = [guild_id_on_shard(0, 1, n) for n in (0, 1)]
    async with fleet(tmp_path, postgres_url, guilds, nonce_ttl=0.0) as (server, bots):
        await bots.start("first", "0", 1)
        schedules = {guild: await create_serial(server, guild) for guild in guilds}
        await bots.start("second", "0", 1)  # the same shard again, by mistake
        rounds = 3
        for number in range(1, rounds + 1):
            for guild, schedule_id in schedules.items():
                await post_now(server, guild, schedule_id)  # both processes get it, and both wake
            await all_out(server, guilds, number)
        log = bots.log()
    for guild in guilds:
        assert_exactly_once_in_order(server, guild, rounds, log)


async def all_out(server: FakeDiscord, guilds: list[str], number: int) -> None:
    """Until every guild's installment ``number`` has started and then every channel is quiet."""
    for guild in guilds:
        await server.until(lambda g=guild: len(heading_numbers(server, g)) >= number, within=90)
    await _quiet(server, guilds)


async def _quiet(server: FakeDiscord, guilds: list[str], still: float = 1.5) -> None:
    """Until no guild's channel has had a new post for ``still`` seconds: the installments are out."""
    counts = None
    while True:
        now = [len(server.posts_in(server.channel_named(g))) for g in guilds]
        if now == counts:
            return
        counts = now
        await asyncio.sleep(still)


async def library_page(server: FakeDiscord, channel: str) -> dict:
    shown = await server.invoke("library", [], channel_id=channel)
    await shown.wait()
    return shown.data["embeds"][0]


async def test_migrate_db_moves_a_running_serial_and_the_restarted_bot_carries_on(tmp_path, postgres_url):
    """A bot on SQLite with a serial two installments in and a reader's reactions is stopped,
    moved with `python -m bot migrate-db`, and started on PostgreSQL: the same library, the
    reactions kept, the serial's next release is installment 3, nothing repeated."""
    guild = guild_id_on_shard(0, 1, 0)
    async with fleet(tmp_path, "", [guild]) as (server, bots):
        channel = server.channel_named(guild)
        await bots.start("on-sqlite")
        schedule_id = await create_serial(server, guild)
        for number in (1, 2):
            await post_now(server, guild, schedule_id)
            await all_out(server, [guild], number)
        for post in server.posts_in(channel)[:3]:
            await server.react(post, "❤️")
        await asyncio.sleep(1.0)  # the reactions reach the bot
        before = await library_page(server, channel)
        await bots.stop_one("on-sqlite")

        env = bot_env(server)
        env.pop("DATABASE_PATH", None)
        moved = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "migrate-db", "--to", postgres_url, cwd=tmp_path, env=env,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        output = (await asyncio.wait_for(moved.communicate(), 120))[0].decode()
        assert moved.returncode == 0, output
        assert "Copied and verified" in output and "reactions 3" in output, output

        bots.database_url = postgres_url
        await bots.start("on-postgresql")
        assert await library_page(server, channel) == before
        await post_now(server, guild, schedule_id)
        await all_out(server, [guild], 3)
        log = bots.log()
    on_postgresql = "\n".join(bots.logs["on-postgresql"])
    assert "Library: 0 imported, 0 updated, 1 unchanged" in on_postgresql, log  # the moved library, as it was
    assert "bot.store.sqlite" not in on_postgresql
    assert_exactly_once_in_order(server, guild, 3, log)

"""Serial delivery from real bot processes against the loopback Discord server: two shard processes
on one PostgreSQL, beside one process running both shards (PostgreSQL, then SQLite).

    python bench/bench_shards.py [--guilds 16] [--setups two-pg,one-pg,one-sqlite] [--runs 1]

Every guild (half on shard 0 of 2, half on shard 1) has one channel and one serial of the same
story; ``/schedule post-now`` releases the first installment in every guild at once (each
interaction reaches only the process running the guild's shard, as on Discord). Then the
installments go out under the server's limits: 5 messages per 5 s in a channel, 50 requests in
any second for the whole bot (tests/fakediscord). Printed per run:

- messages per second overall: every message of every installment, over the time from the
  first post-now to the last message the server accepted;
- time until all installments are out (the same span), and until the first message;
- duplicates: a message posted twice in a channel (every paragraph is numbered, so no two
  messages of the story are alike), and sends the server took for a replay of a nonce it had
  seen (Discord hides those; they would be duplicates without it). Both must be 0;
- 429s the server answered (its ``rate_limited`` records, by scope), and REST requests counted (429s included);
- CPU seconds of each bot process (and of PostgreSQL) from the release to the last message.

Setups: ``two-pg`` two processes (SHARD_COUNT=2, SHARD_IDS=0 and 1) on one PostgreSQL, each
with REST_RATE 47/2 as the README asks of N processes without a shared proxy (``--rest-rate``
sets it); ``one-pg`` one process with SHARD_COUNT=2 (both shards) on PostgreSQL; ``one-sqlite``
the same on an SQLite file. A fresh database and a fresh server for every run; one throwaway
PostgreSQL cluster (tests/postgres.py) for all of them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp import web

from bench.engines import new_database, postgres_cluster, server_cpu_seconds
from bot.core.installments import DEFAULT_WORDS_PER_MINUTE, cut_installments
from bot.core.models import Chapter
from tests.fakediscord import ADMINISTRATOR, MANAGE_GUILD, MEMBER_PERMISSIONS, FakeDiscord, guild_id_on_shard

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "MTAw.fake-token-for-loopback.AbCdEf"
ADMIN = MEMBER_PERMISSIONS | ADMINISTRATOR | MANAGE_GUILD
SHARDS = 2
MINUTES = 20.0  # reading minutes per installment: one chapter of the story below, 12 messages
CHAPTERS, PARAGRAPHS = 3, 48
SENTENCE = "The lamps went out one by one along the harbour wall, and still nobody came home."
HEADING = re.compile(r"installment (\d+) of (\d+)")
SETUPS = ("two-pg", "one-pg", "one-sqlite")


def chapters() -> list[Chapter]:
    """The serial's chapters; every paragraph starts with its own number, so every message differs."""
    return [
        Chapter(f"Chapter {c}", tuple(f"({c}.{k}) {SENTENCE * 5}".strip() for k in range(PARAGRAPHS)))
        for c in range(1, CHAPTERS + 1)
    ]


def story_text() -> str:
    body = "\n\n".join(f"{ch.title}\n\n" + "\n\n".join(ch.blocks) for ch in chapters())
    return "Title: Harbour Lights\nAuthor: Q\nRating: General Audiences\n\n" + body


def expected_messages() -> int:
    """The heading and text messages of the first installment, as the bot cuts it."""
    first = cut_installments(chapters(), minutes=MINUTES, words_per_minute=DEFAULT_WORDS_PER_MINUTE)[0]
    return 1 + len(first.messages)


@dataclass
class Process:
    name: str
    process: asyncio.subprocess.Process
    started: float
    ready_after: float = 0.0
    log: list[str] = field(default_factory=list)


class Fleet:
    """Bot processes (``python -m bot``) in one folder, pointed at the loopback server."""

    def __init__(self, folder: Path, server: FakeDiscord, database: dict[str, str]) -> None:
        self.folder, self.server, self.database = folder, server, database
        self.processes: list[Process] = []

    async def start(self, name: str, shard_ids: str | None, rest_rate: float) -> Process:
        expected = len(self.server.shards_connected) + (SHARDS if shard_ids is None else 1)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DATABASE_", "SHARD_"))}
        env.update(
            PYTHONPATH=str(ROOT),
            DISCORD_TOKEN=TOKEN,
            DISCORD_API_BASE_URL=self.server.api_url,
            DISCORD_GATEWAY_URL=self.server.gateway_url,
            SHARD_COUNT=str(SHARDS),
            REST_RATE=f"{rest_rate:g}",
            LOG_LEVEL="INFO",
            **self.database,
        )
        if shard_ids is not None:
            env["SHARD_IDS"] = shard_ids
        started = time.perf_counter()
        child = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=self.folder, env=env,
            stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        process = Process(name, child, started)
        self.processes.append(process)
        asyncio.get_running_loop().create_task(self._collect(process))
        try:
            await self.server.until(lambda: len(self.server.shards_connected) >= expected, within=90)
        except TimeoutError:
            raise SystemExit(f"{name} did not connect:\n" + "\n".join(process.log[-40:])) from None
        process.ready_after = time.perf_counter() - started
        return process

    async def _collect(self, process: Process) -> None:
        assert process.process.stdout is not None
        async for line in process.process.stdout:
            process.log.append(line.decode(errors="replace").rstrip())

    async def stop(self) -> list[str]:
        """SIGTERM to every process; how each ended (killed if it had not exited within 20 s)."""
        asked = time.perf_counter()
        for p in self.processes:
            if p.process.returncode is None:
                p.process.send_signal(signal.SIGTERM)
        ended = []
        for p in self.processes:
            try:
                await asyncio.wait_for(p.process.wait(), 20)
                ended.append(f"{p.name} exit {p.process.returncode} after {time.perf_counter() - asked:.1f} s")
            except TimeoutError:
                p.process.kill()
                await p.process.wait()
                ended.append(f"{p.name} KILLED: still running 20 s after SIGTERM")
        return ended

    def log(self) -> str:
        return "\n".join(f"[{p.name}] {line}" for p in self.processes for line in p.log[-40:])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def create_serial(server: FakeDiscord, guild_id: str, start: date) -> int:
    channel = server.channel_named(guild_id)
    created = await server.invoke(
        "schedule",
        [{"name": "create", "type": 1, "options": [
            {"name": "story", "type": 3, "value": "harbour-lights"},
            {"name": "channel", "type": 7, "value": channel},
            {"name": "start", "type": 3, "value": start.isoformat()},  # nothing due by itself during the run
            {"name": "minutes", "type": 10, "value": MINUTES},
        ]}],
        channel_id=channel, permissions=ADMIN,
    )  # fmt: skip
    await created.wait(within=30)
    embeds = created.data.get("embeds") or []
    footer = (embeds[0].get("footer") or {}).get("text", "") if embeds else ""
    found = re.match(r"Schedule #(\d+)", footer)
    if found is None:
        raise SystemExit(f"/schedule create in {guild_id} answered {created.response}")
    return int(found.group(1))


async def post_now(server: FakeDiscord, guild_id: str, schedule_id: int) -> None:
    channel = server.channel_named(guild_id)
    released = await server.invoke(
        "schedule",
        [{"name": "post-now", "type": 1, "options": [{"name": "schedule", "type": 4, "value": schedule_id}]}],
        channel_id=channel, permissions=ADMIN,
    )  # fmt: skip
    await released.wait(within=30)


@dataclass
class Result:
    setup: str
    guilds: int
    messages: int
    expected: int
    seconds: float  # first post-now to the last message accepted
    first_message: float
    duplicates: int
    nonce_replays: int
    limited: Counter[str]
    requests: int
    peak: int  # the most messages the server accepted in any one second
    ready: list[float]
    cpu: dict[str, float]
    stopped: list[str] = field(default_factory=list)  # how each process ended after SIGTERM

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds else 0.0

    def line(self) -> str:
        cpu = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.cpu.items())
        limited = ", ".join(f"{scope} {n}" for scope, n in sorted(self.limited.items())) or "none"
        return (
            f"{self.setup:<11} {self.guilds} guilds: {self.messages}/{self.expected} messages in {self.seconds:.1f} s "
            f"= {self.rate:.1f} msg/s (first after {self.first_message * 1000:.0f} ms); "
            f"duplicates {self.duplicates}, nonce replays {self.nonce_replays}; 429s: {limited}; "
            f"{self.requests} REST requests, at most {self.peak} messages in a second; "
            f"ready after {', '.join(f'{r:.1f}' for r in self.ready)} s; CPU {cpu}; "
            f"stopped: {', '.join(self.stopped)}"
        )


async def run_setup(setup: str, guild_count: int, rest_rate: float | None, database_url: str | None) -> Result:
    server = FakeDiscord()
    counted = Counter[str]()

    @web.middleware
    async def count(request: web.Request, handler):  # type: ignore[no-untyped-def]
        if request.path.startswith("/api/") and "/interactions/" not in request.path:
            counted[request.method] += 1
        return await handler(request)

    server.app.middlewares.insert(0, count)  # outermost, so 429s count too; before aiohttp freezes the list
    await server.start()
    guilds = [guild_id_on_shard(shard, SHARDS, n) for shard in range(SHARDS) for n in range(guild_count // SHARDS)]
    for n, guild_id in enumerate(guilds):
        await server.add_guild(f"Guild {n}", guild_id=guild_id)
    with tempfile.TemporaryDirectory(prefix="bench-shards-") as tmp:
        folder = Path(tmp)
        (folder / "stories").mkdir()
        (folder / "stories" / "harbour-lights.txt").write_text(story_text(), encoding="utf-8")
        database = {"DATABASE_URL": database_url} if setup.endswith("-pg") else {}
        assert setup.endswith("-pg") == (database_url is not None)
        fleet = Fleet(folder, server, database)
        try:
            if setup == "two-pg":
                share = rest_rate if rest_rate is not None else 47.0 / SHARDS
                processes = [await fleet.start(f"shard-{n}", str(n), share) for n in range(SHARDS)]
            else:
                processes = [await fleet.start("both", None, rest_rate if rest_rate is not None else 47.0)]
            await asyncio.sleep(1.0)  # the processes take in their guilds
            start = datetime.now(UTC).date() + timedelta(days=7)
            schedules = {guild: await create_serial(server, guild, start) for guild in guilds}
            await asyncio.sleep(0.5)
            before_posts = len(server.posts)
            if before_posts:
                raise SystemExit(f"{before_posts} messages posted before the release")
            limited_before = len(server.rate_limited)
            requests_before = sum(counted.values())
            cpu_before = {p.name: cpu_seconds(p.process.pid) for p in processes}
            pg_before = server_cpu_seconds(database_url) if database_url else 0.0
            released = server.clock()
            await asyncio.gather(*(post_now(server, guild, schedules[guild]) for guild in guilds))
            expected = expected_messages()
            channels = [server.channel_named(guild) for guild in guilds]
            with suppress(TimeoutError):  # what is missing then is counted below
                await server.until(
                    lambda: all(len(server.posts_in(c)) >= expected for c in channels), within=60 + 2 * guild_count
                )
            await asyncio.sleep(2.5)  # anything more (a duplicate) would arrive now
            cpu = {p.name: cpu_seconds(p.process.pid) - cpu_before[p.name] for p in processes}
            if database_url:
                cpu["PostgreSQL"] = server_cpu_seconds(database_url) - pg_before
            posts = server.posts[before_posts:]
            duplicates = 0
            for channel in channels:
                texts = Counter(post.content for post in server.posts_in(channel))
                duplicates += sum(n - 1 for n in texts.values())
                headings = [HEADING.search(text) for text in texts if text.startswith("📖")]
                if len(headings) != 1:
                    print(f"  channel {channel}: {len(headings)} installment headings", file=sys.stderr)
            delivered = [post for post in posts if post.channel_id in channels]
            result = Result(
                setup=setup,
                guilds=len(guilds),
                messages=len(delivered),
                expected=expected * len(guilds),
                seconds=(max(p.at for p in delivered) - released) if delivered else 0.0,
                first_message=(min(p.at for p in delivered) - released) if delivered else 0.0,
                duplicates=duplicates,
                nonce_replays=server.nonce_replays,
                limited=Counter(hit.scope for hit in server.rate_limited[limited_before:]),
                requests=sum(counted.values()) - requests_before,
                peak=peak_per_second([post.at for post in delivered]),
                ready=[p.ready_after for p in processes],
                cpu=cpu,
            )
        finally:
            stopped = await fleet.stop()
            await server.stop()
    result.stopped = stopped
    if result.messages != result.expected or duplicates or any("KILLED" in line for line in stopped):
        print(fleet.log()[-6000:], file=sys.stderr)
    return result


def peak_per_second(times: list[float]) -> int:
    """The most of ``times`` in any window of one second."""
    times, peak, first = sorted(times), 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= 1.0:
            first += 1
        peak = max(peak, last - first + 1)
    return peak


def summary(results: list[Result]) -> None:
    print("\nmedians per setup:")
    for setup in dict.fromkeys(r.setup for r in results):
        mine = [r for r in results if r.setup == setup]
        limited = Counter[str]()
        for r in mine:
            limited.update(r.limited)
        print(
            f"{setup:<11} {statistics.median(r.rate for r in mine):6.1f} msg/s, "
            f"all out in {statistics.median(r.seconds for r in mine):5.1f} s "
            f"({min(r.seconds for r in mine):.1f} to {max(r.seconds for r in mine):.1f}), "
            f"first message after {statistics.median(r.first_message for r in mine) * 1000:.0f} ms, "
            f"peak {max(r.peak for r in mine)}/s, "
            f"duplicates {sum(r.duplicates + r.nonce_replays for r in mine)}, "
            f"429s {sum(limited.values())} ({', '.join(f'{k} {v}' for k, v in sorted(limited.items())) or 'none'}), "
            f"missing {sum(r.expected - r.messages for r in mine)}   (n={len(mine)})"
        )


async def bench(setups: list[str], guild_count: int, runs: int, rest_rate: float | None, cluster: object) -> None:
    results = []
    for run in range(runs):
        for setup in setups:
            url = None
            if setup.endswith("-pg"):
                url = await new_database(cluster, f"shards_{uuid.uuid4().hex[:12]}")
            result = await run_setup(setup, guild_count, rest_rate, url)
            print(f"run {run + 1}: {result.line()}", flush=True)
            results.append(result)
    summary(results)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--guilds", type=int, default=16, help="an even number: half on each shard")
    parser.add_argument("--setups", default=",".join(SETUPS), help=f"comma-separated, of {', '.join(SETUPS)}")
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--rest-rate", type=float, help="REST_RATE of each process (default 47, 47/2 for two)")
    args = parser.parse_args()
    setups = [s.strip() for s in args.setups.split(",") if s.strip()]
    wrong = [s for s in setups if s not in SETUPS]
    if wrong or args.guilds < SHARDS or args.guilds % SHARDS:
        parser.error(f"setups must be of {', '.join(SETUPS)} and --guilds an even number")
    print(
        f"{args.guilds} guilds, {expected_messages()} messages each (a heading and the first installment), "
        f"released together with /schedule post-now ({datetime.now(UTC):%Y-%m-%d})"
    )
    if any(s.endswith("-pg") for s in setups):
        with postgres_cluster() as cluster:
            asyncio.run(bench(setups, args.guilds, args.runs, args.rest_rate, cluster))
    else:
        asyncio.run(bench(setups, args.guilds, args.runs, args.rest_rate, None))


if __name__ == "__main__":
    main()

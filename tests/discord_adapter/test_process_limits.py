"""Discord's rate limits at full speed, and faults, on the real bot process against the loopback server.

Sixty serial schedules, one per channel, are all due when the bot starts (as after downtime):
each posts an installment of a heading and 20 messages or more through the one send queue.
The server enforces Discord's global limit as a strict sliding window of 50 requests per
second and 5 messages per 5 s per channel. The bot draws (almost) no 429s, posts the last
message within 1.1 times the floor (messages ÷ 50 per second), and posts every message
exactly once. Then the same with 10% of message posts failing with a 500 (half before the
message is created, half after), some slow answers, and one gateway drop the bot resumes.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from yarl import URL

from bot.core.schedule import parse_cadence
from bot.core.serials import NewSchedule
from bot.core.states import CatchUp
from bot.discord_adapter.ratelimits import channel_of, exempt
from bot.reading.releases import installment_messages
from bot.reading.stats import STATS_KEY, RequestStats
from bot.services import Services
from bot.settings import Settings
from bot.store.database import Database
from tests.discord_adapter.test_process import bot_env
from tests.fakediscord import GUILD_ID, FakeDiscord, Faults
from tests.fakediscord.faults import AFTER, BEFORE, SLOW

CHANNELS = 60
MINUTES = 60.0  # the whole chapter is one installment
PARAGRAPH = "The tide came in over the causeway before anyone thought to look, and the lamps went out. " * 4
STORY = "Title: High Water\nAuthor: Q\nRating: K\n\nChapter 1\n\n" + "\n\n".join(PARAGRAPH for _ in range(100))


@dataclass
class Run:
    server: FakeDiscord
    expected: dict[str, list[str]]  # channel id -> the texts of its installment, in order
    log: str
    started: float  # the server's clock when the bot was started
    stats: RequestStats  # what the bot counted, as `python -m bot stats` reads it

    @property
    def messages(self) -> int:
        return sum(len(texts) for texts in self.expected.values())

    @property
    def floor(self) -> float:
        return self.messages / 50

    @property
    def span(self) -> float:
        """From the first post to the last."""
        times = [post.at for post in self.server.posts]
        return max(times) - min(times)

    def numbers(self) -> str:
        faults = self.server.faults
        return (
            f"{self.messages} messages in {CHANNELS} channels: last after {self.span:.2f} s "
            f"(floor {self.floor:.2f} s, ×{self.span / self.floor:.3f}), "
            f"{len(self.server.rate_limited)} 429s, {self.server.nonce_replays} nonce replays, "
            f"faults {faults.count(BEFORE)} before / {faults.count(AFTER)} after / {faults.count(SLOW)} slow, "
            f"{self.server.resumes} resumes"
        )


async def prepare(tmp_path: Path, server: FakeDiscord) -> dict[str, list[str]]:
    """The story imported and sixty schedules due now, written before the bot starts; the texts each will post."""
    stories = tmp_path / "stories"
    stories.mkdir()
    (stories / "high-water.txt").write_text(STORY, encoding="utf-8")
    channels = [await server.add_channel(f"serial-{n}") for n in range(CHANNELS)]
    expected: dict[str, list[str]] = {}
    (tmp_path / "data").mkdir()
    async with await Database.open(tmp_path / "data" / "storyteller.db") as database:
        services = Services(Settings(database_path=database.path, stories_dir=stories), database)
        await services.importer.import_paths()
        record = await services.stories.by_slug("high-water")
        installments = await services.catalog.installments(record, MINUTES)
        now = datetime.now(UTC)
        for channel in channels:
            schedule = await services.schedules.create(
                NewSchedule(
                    guild_id=int(GUILD_ID),
                    channel_id=int(channel),
                    story_id=record.id,
                    cadence=parse_cadence("daily", "20:00"),
                    timezone="UTC",
                    minutes=MINUTES,
                    catch_up=CatchUp.SHIFT,
                    role_id=None,
                    total=len(installments),
                    first_due=now,
                    anchor=now,
                    created_by=1,
                ),
                now,
            )
            expected[channel] = installment_messages(schedule, record, installments[0])
    assert all(len(texts) >= 21 for texts in expected.values())  # a heading and 20 messages or more
    return expected


async def run(tmp_path: Path, server: FakeDiscord, *, drop_after: int | None = None) -> Run:
    await server.start()
    process = None
    try:
        expected = await prepare(tmp_path, server)
        total = sum(len(texts) for texts in expected.values())
        started = server.clock()
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            cwd=tmp_path,
            env=bot_env(server),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        if drop_after is not None:
            await server.until(lambda: len(server.posts) >= drop_after, within=40)
            await server.drop_gateway()
        await server.until(lambda: len(server.posts) >= total, within=50)
        await asyncio.sleep(0.5)  # anything doubled would show up now
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), 20)
    finally:
        if process is not None and process.returncode is None:
            process.kill()
            await process.wait()
        await server.stop()
    with sqlite3.connect(tmp_path / "data" / "storyteller.db") as db:
        (saved,) = db.execute("SELECT value FROM bot_state WHERE key = ?", (STATS_KEY,)).fetchone()
    result = Run(server, expected, output.decode(), started, RequestStats.from_json(saved))
    print(result.numbers())
    return result


def assert_exactly_once(result: Run) -> None:
    for channel, texts in result.expected.items():
        posted = [post.content for post in result.server.posts_in(channel)]
        problem = f"channel {channel}: {len(posted)} posts for {len(texts)} messages"
        assert posted == texts, f"{problem}\n{result.log[-3000:]}"
    nonces = [post.nonce for post in result.server.posts]
    assert len(nonces) == len(set(nonces)) == result.messages


async def test_sixty_channels_at_full_speed_draw_almost_no_429s(tmp_path):
    result = await run(tmp_path, FakeDiscord())
    assert_exactly_once(result)
    assert len(result.server.rate_limited) <= 5, result.server.rate_limited[:10]
    assert result.span <= 1.1 * result.floor, result.numbers()
    assert "Requests:" in result.log and "429s: " in result.log  # the counts are in the log at shutdown
    assert result.stats.requests >= result.messages  # every post went through the budget
    assert result.stats.total_429 == len(result.server.rate_limited)  # and every 429 was counted


async def test_sixty_channels_through_500s_slow_answers_and_a_gateway_drop_post_each_message_once(tmp_path):
    faults = Faults(fail_before=0.05, fail_after=0.05, slow=0.02, delay=0.5, seed=7)
    result = await run(tmp_path, FakeDiscord(faults=faults), drop_after=400)
    assert faults.count(BEFORE) and faults.count(AFTER) and faults.count(SLOW)
    assert result.server.drops == 1 and result.server.resumes >= 1
    assert_exactly_once(result)
    # every message created but answered with a 500 was sent again with its nonce and came back once
    assert result.server.nonce_replays >= faults.count(AFTER)


async def test_the_budget_knows_which_requests_count_and_which_create_messages():
    api = "https://discord.com/api/v10"
    assert channel_of(URL(f"{api}/channels/42/messages")) == (42, True)
    assert channel_of(URL(f"{api}/channels/42/messages/7")) == (42, False)
    assert channel_of(URL(f"{api}/channels/42/typing")) == (42, False)
    assert channel_of(URL(f"{api}/users/@me")) == (None, False)
    assert exempt(URL(f"{api}/interactions/1/tok/callback")) and exempt(URL(f"{api}/webhooks/1/tok/messages/@original"))
    assert exempt(URL("wss://gateway.discord.gg/?v=10")) and not exempt(URL(f"{api}/channels/42/messages"))

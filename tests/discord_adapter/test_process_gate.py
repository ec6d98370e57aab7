"""The rating gate acts on every message of the real bot process, against the loopback Discord server.

An Explicit story is read into an age-restricted channel. An admin switches the channel
off age-restricted right after the second message; nothing more of the story is posted,
and the reading pauses with its reason. Messages of one installment are spaced by the
per-channel limit, so the switch lands between two of them.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3
import sys
from pathlib import Path

from bot.services import Services
from bot.settings import Settings
from bot.store.database import Database
from tests.discord_adapter.test_process import bot_env
from tests.fake_discord import FakeDiscord
from tests.fakediscord import ADMINISTRATOR, AGE_RESTRICTED_CHANNEL_ID, MEMBER_PERMISSIONS

ADMIN = MEMBER_PERMISSIONS | ADMINISTRATOR | (1 << 5) | (1 << 13)  # Manage Server, Manage Messages
PARAGRAPH = "The lamps went out one by one along the harbour wall, and still nobody came home. " * 5
# One long chapter: a ten-minute installment of it is seven messages or more.
LONG = "Title: After Dark\nAuthor: Q\nRating: Explicit\n\n" + "\n\n".join(PARAGRAPH for _ in range(40))
# Short chapters: a live reading of them posts a heading and a line every 1.5 s.
SHORT = "Title: Small Hours\nAuthor: Q\nRating: Explicit\n\n" + "\n\n".join(
    f"Chapter {n}\n\nThe clock struck {n}." for n in range(1, 13)
)


async def run_bot(tmp_path: Path, server: FakeDiscord) -> asyncio.subprocess.Process:
    stories = tmp_path / "stories"
    stories.mkdir(exist_ok=True)
    (stories / "after-dark.txt").write_text(LONG, encoding="utf-8")
    (stories / "small-hours.txt").write_text(SHORT, encoding="utf-8")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=bot_env(server, INSTALLMENT_MINUTES="10"),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    await asyncio.wait_for(server.commands_synced.wait(), 30)
    await asyncio.wait_for(server.identified.wait(), 30)
    await asyncio.sleep(0.5)  # the bot takes in GUILD_CREATE
    return process


async def stop(process: asyncio.subprocess.Process) -> str:
    if process.returncode is None:
        process.send_signal(signal.SIGTERM)
    output, _ = await asyncio.wait_for(process.communicate(), 20)
    return output.decode()


async def switch_off_after(server: FakeDiscord, count: int, prefix: str = "") -> None:
    """Turn age restriction off the channel as soon as ``count`` story messages are there."""

    def story_posts() -> int:
        return sum(1 for post in server.posts_in(AGE_RESTRICTED_CHANNEL_ID) if post.content.startswith(prefix))

    await server.until(lambda: story_posts() >= count, within=30)
    await server.set_age_restricted(AGE_RESTRICTED_CHANNEL_ID, False)


def story_posts_after_switch(server: FakeDiscord) -> list[str]:
    return [
        post.content
        for post in server.posts_in(AGE_RESTRICTED_CHANNEL_ID)
        if not post.age_restricted and not post.content.startswith("⏸️")
    ]


async def test_a_serial_posts_nothing_after_its_channel_stops_being_age_restricted(tmp_path):
    server = FakeDiscord()
    await server.start()
    process = None
    try:
        process = await run_bot(tmp_path, server)
        created = await server.invoke(
            "schedule",
            [
                {
                    "name": "create",
                    "type": 1,
                    "options": [
                        {"name": "story", "type": 3, "value": "after-dark"},
                        {"name": "channel", "type": 7, "value": AGE_RESTRICTED_CHANNEL_ID},
                    ],
                }
            ],
            channel_id=AGE_RESTRICTED_CHANNEL_ID,
            permissions=ADMIN,
        )
        await created.wait()
        assert created.data["embeds"][0]["footer"]["text"].startswith("Schedule #1"), created.data
        released = await server.invoke(
            "schedule",
            [{"name": "post-now", "type": 1, "options": [{"name": "schedule", "type": 4, "value": 1}]}],
            channel_id=AGE_RESTRICTED_CHANNEL_ID,
            permissions=ADMIN,
        )
        await released.wait()
        await switch_off_after(server, 2)
        await asyncio.sleep(4)  # four more messages of the installment would have gone out by now, one a second
        log = await stop(process)
    finally:
        if process is not None and process.returncode is None:
            process.kill()
            await process.wait()
        await server.stop()
    posts = server.posts_in(AGE_RESTRICTED_CHANNEL_ID)
    assert [p.content.startswith("📖") for p in posts[:1]] == [True]  # the heading went out first
    assert len([p for p in posts if p.age_restricted]) == 2
    assert story_posts_after_switch(server) == [], log
    with sqlite3.connect(tmp_path / "data" / "storyteller.db") as db:
        state, reason, next_installment = db.execute(
            "SELECT state, reason, next_installment FROM schedules WHERE id = 1"
        ).fetchone()
    assert state == "paused" and "age-restricted" in reason
    assert next_installment == 1  # half posted, waiting for a fix rather than marked done
    async with await Database.open(tmp_path / "data" / "storyteller.db") as database:
        services = Services(Settings(database_path=database.path), database)
        record = await services.stories.by_slug("after-dark")
        first = (await services.catalog.installments(record, 10))[0]
    assert len(first.messages) + 1 >= 5  # heading and text: an installment of five messages or more


async def test_a_live_reading_posts_nothing_after_its_channel_stops_being_age_restricted(tmp_path):
    server = FakeDiscord()
    await server.start()
    process = None
    try:
        process = await run_bot(tmp_path, server)
        started = await server.invoke(
            "story", [{"name": "title", "type": 3, "value": "small-hours"}], channel_id=AGE_RESTRICTED_CHANNEL_ID
        )
        await started.wait()
        assert not started.ephemeral, started.data
        await switch_off_after(server, 2)
        await asyncio.sleep(4.5)  # three more messages would have gone out by now, one every 1.5 s
        log = await stop(process)
    finally:
        if process is not None and process.returncode is None:
            process.kill()
            await process.wait()
        await server.stop()
    assert len([p for p in server.posts_in(AGE_RESTRICTED_CHANNEL_ID) if p.age_restricted]) == 2
    assert story_posts_after_switch(server) == [], log
    assert any(p.content.startswith("⏸️ The reading is paused") for p in server.posts_in(AGE_RESTRICTED_CHANNEL_ID))
    with sqlite3.connect(tmp_path / "data" / "storyteller.db") as db:
        state, reason, position = db.execute("SELECT state, reason, position FROM live_readings").fetchone()
    assert state == "paused" and "age-restricted" in reason and position == 2

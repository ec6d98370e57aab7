"""The bot as a real process against a Discord-compatible server on loopback.

Set-up as the README describes it: a token and the two URL settings. The process
logs in, syncs its commands, answers /story, reads into the channel, and shuts
down cleanly on SIGTERM. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys

from tests.conftest import ROOT, SHIPPED_STORY
from tests.fake_discord import FakeDiscord

TOKEN = "MTAw.fake-token-for-loopback.AbCdEf"


def bot_env(server: FakeDiscord, **extra: str) -> dict[str, str]:
    """This process's environment without any real Discord settings, pointed at the fake server."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("DISCORD_")}
    env.update(
        PYTHONPATH=str(ROOT),
        DISCORD_TOKEN=TOKEN,
        DISCORD_API_BASE_URL=server.api_url,
        DISCORD_GATEWAY_URL=server.gateway_url,
        **extra,
    )
    return env


async def test_bot_process_logs_in_syncs_and_answers_story(tmp_path):
    server = FakeDiscord()
    await server.start()
    (tmp_path / "stories").mkdir()
    shutil.copy(SHIPPED_STORY, tmp_path / "stories" / "fight-for-me.txt")
    env = bot_env(server, LOG_LEVEL="DEBUG")
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        cwd=tmp_path,
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        await asyncio.wait_for(server.commands_synced.wait(), 30)
        await asyncio.wait_for(server.identified.wait(), 30)
        assert {c["name"] for c in server.commands} >= {"story", "summary", "rating", "library", "settings"}
        await asyncio.sleep(0.5)  # let the bot process GUILD_CREATE
        await server.invoke("story", [{"name": "title", "type": 3, "value": "fight-for-me"}])
        await asyncio.wait_for(server.replied.wait(), 10)
        card = server.callbacks[0]["data"]["embeds"][0]
        assert card["title"] == "Fight For Me"
        await asyncio.wait_for(server.posted.wait(), 15)  # the first message after the card's pause
        assert server.messages[0]["content"].startswith("They gather outside her room")
        process.send_signal(signal.SIGTERM)
        output, _ = await asyncio.wait_for(process.communicate(), 20)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        await server.stop()
    log = output.decode()
    assert process.returncode == 0, log
    assert "Synced" in log and "Shutting down" in log
    assert TOKEN not in log  # even at DEBUG, where discord.py logs the IDENTIFY payload
    assert f"Bot {TOKEN}" in server.tokens_seen  # the token did reach the server


async def test_sync_command_syncs_to_one_guild_and_exits(tmp_path):
    server = FakeDiscord()
    await server.start()
    env = bot_env(server)
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "sync",
            "--guild",
            "100000000000000002",
            cwd=tmp_path,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), 30)
    finally:
        await server.stop()
    assert process.returncode == 0, err.decode()
    assert f"Synced {len(server.commands)} commands to guild 100000000000000002" in out.decode()
    assert not server.identified.is_set()  # REST only: it never opened the gateway

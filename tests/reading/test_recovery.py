"""Crashes and downtime with the real SQLite file: nothing lost, nothing twice, never a burst."""

from __future__ import annotations

import contextlib
import itertools
from datetime import timedelta

import pytest

from tests.reading.fakes import Crash, FakeDiscord, VirtualClock

DAY = 24 * 3600
HEADINGS = "📖"


def installment_numbers(discord: FakeDiscord, channel_id: int) -> list[int]:
    return [
        int(t.split("installment ")[1].split(" of")[0]) for t in discord.channel(channel_id) if t.startswith(HEADINGS)
    ]


async def finish_after_crashes(open_world, crash_points: list[int]):
    """Run a 12-installment daily schedule, 'killing' the process at each send number given."""
    time = VirtualClock()
    discord = FakeDiscord(time.clock)
    world = await open_world("crash.db", discord, time)
    record = await world.story("the-long-watch")
    schedule, _ = await world.serials.create(guild_id=1, channel_id=10, record=record, user_id=7, every="daily")
    for point in crash_points:
        discord.crash_in(point)
        with contextlib.suppress(Crash):
            await world.run_for(20 * DAY)
        assert discord.crashed
        # The process is gone: its tasks die with it, then a new one starts on the same file.
        await world.close()
        discord.crash_at, discord.crashed = None, False
        world = await open_world("crash.db", discord, time)
        await world.run_for(60)
    await world.run_for(20 * DAY)
    return world, schedule, discord


@pytest.mark.parametrize("point", range(1, 21))
async def test_a_crash_at_any_send_loses_nothing_and_repeats_nothing(open_world, point):
    world, schedule, discord = await finish_after_crashes(open_world, [point])
    assert installment_numbers(discord, 10) == list(range(1, 13))
    texts = discord.channel(10)
    assert len(texts) == len(set(texts)) == 24  # a heading and one message per installment, each once
    assert (await world.serials.get(1, schedule.id)).state == "finished"


async def test_many_crashes_in_one_life(open_world):
    _, _, discord = await finish_after_crashes(open_world, [3, 4, 2, 5, 1, 6])
    assert installment_numbers(discord, 10) == list(range(1, 13))
    assert len(discord.channel(10)) == 24


async def test_crash_between_posting_and_moving_on(open_world):
    """Every part of an installment recorded, then the process dies before the schedule moves on."""
    time = VirtualClock()
    discord = FakeDiscord(time.clock)
    world = await open_world("advance.db", discord, time)
    record = await world.story("the-long-watch")
    await world.serials.create(guild_id=1, channel_id=10, record=record, user_id=7, every="daily")

    async def die(schedule_id, move, now):
        discord.crashed = True
        raise Crash("killed before moving on")

    world.services.schedules.move = die
    with contextlib.suppress(Crash):
        await world.run_for(DAY)
    await world.close()
    discord.crashed = False
    world = await open_world("advance.db", discord, time)
    await world.run_for(20 * DAY)
    assert installment_numbers(discord, 10) == list(range(1, 13))
    assert len(discord.channel(10)) == 24


async def test_resend_after_nonce_window_is_found_not_repeated(open_world):
    """Down for a day after posting but before recording: the message is found, not posted again."""
    time = VirtualClock()
    discord = FakeDiscord(time.clock)
    world = await open_world("late.db", discord, time)
    record = await world.story("the-long-watch")
    await world.serials.create(guild_id=1, channel_id=10, record=record, user_id=7, every="daily")
    discord.crash_in(2)  # the first heading reaches Discord; its id is never recorded
    with contextlib.suppress(Crash):
        await world.run_for(DAY)
    await world.close()
    discord.crash_at, discord.crashed = None, False
    time.advance_to(time.now() + timedelta(days=1))  # far past the nonce window
    world = await open_world("late.db", discord, time)
    await world.run_for(20 * DAY)
    assert installment_numbers(discord, 10) == list(range(1, 13))
    assert len(discord.channel(10)) == len(set(discord.channel(10))) == 24


async def downtime(open_world, policy: str):
    """Daily at 20:00 UTC; the bot is down for three days after the second installment."""
    time = VirtualClock()
    discord = FakeDiscord(time.clock)
    world = await open_world(f"{policy}.db", discord, time)
    record = await world.story("the-long-watch")
    await world.serials.create(
        guild_id=1, channel_id=10, record=record, user_id=7, every="daily", at="20:00", catch_up=policy
    )
    await world.run_for(DAY + 9 * 3600)  # installments 1 and 2 at 20:00 on 25 and 26 March
    assert installment_numbers(discord, 10) == [1, 2]
    await world.close()
    time.advance_to(time.now() + timedelta(days=3))  # down from 26 March 21:00 to 29 March 21:00
    restart = time.now()
    world = await open_world(f"{policy}.db", discord, time)
    await world.run_for(6 * DAY)
    posts = [p for p in discord.posts if p.text.startswith(HEADINGS) and p.at >= restart]
    return world, discord, restart, posts


async def test_downtime_shift_posts_the_missed_one_now_and_moves_on(open_world):
    _, discord, restart, posts = await downtime(open_world, "shift")
    assert posts[0].at == restart  # the missed installment 3, at once
    assert [p.at.strftime("%d %H:%M") for p in posts[1:4]] == ["30 20:00", "31 20:00", "01 20:00"]
    assert installment_numbers(discord, 10)[:6] == [1, 2, 3, 4, 5, 6]


async def test_downtime_late_posts_missed_ones_gently_then_rejoins(open_world):
    _, discord, restart, posts = await downtime(open_world, "late")
    gaps = [b.at - a.at for a, b in itertools.pairwise(posts[:4])]
    assert posts[0].at == restart
    assert all(g >= timedelta(minutes=10) for g in gaps)  # never a burst
    assert [p.at.strftime("%d %H:%M") for p in posts[:3]] == ["29 21:00", "29 21:10", "29 21:20"]
    assert posts[3].at.strftime("%d %H:%M") == "30 20:00"  # caught up: back on the cadence
    assert installment_numbers(discord, 10)[:7] == [1, 2, 3, 4, 5, 6, 7]


async def test_downtime_skip_jumps_ahead_with_a_notice(open_world):
    _, discord, _, posts = await downtime(open_world, "skip")
    notice = next(t for t in discord.channel(10) if t.startswith("⏭️"))
    assert "skipped installments 3 to 5" in notice
    assert posts[0].at.strftime("%d %H:%M") == "30 20:00"
    assert installment_numbers(discord, 10)[:3] == [1, 2, 6]


@pytest.mark.parametrize("point", [1, 2, 3, 6, 9, 14])
def test_a_real_sigkill_at_a_send_then_a_restart_posts_each_installment_once(tmp_path, stories_dir, point):
    """The same guarantee with the process truly killed (SIGKILL) and a new one started."""
    import json
    import os
    import signal
    import subprocess
    import sys

    from tests.conftest import ROOT

    db, log = tmp_path / "kill.db", tmp_path / "discord.jsonl"
    command = [sys.executable, "-m", "tests.reading.crash_child", str(db), str(stories_dir), str(log)]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    killed = subprocess.run([*command, str(point)], cwd=ROOT, env=env, capture_output=True, timeout=60)
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()[-2000:]
    finished = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, timeout=60)
    assert finished.returncode == 0, finished.stderr.decode()[-2000:]
    texts = [json.loads(line)["text"] for line in log.read_text().splitlines()]
    numbers = [int(t.split("installment ")[1].split(" of")[0]) for t in texts if t.startswith(HEADINGS)]
    assert numbers == list(range(1, 13))
    assert len(texts) == len(set(texts)) == 24


@pytest.mark.parametrize("point", [1, 2, 3, 4, 7, 8])
async def test_live_reading_survives_a_crash_mid_send_without_repeating(open_world, point):
    """Live readings keep the same rule: intent before the send, nonce on it, a look after a crash."""
    from bot.core.pacing import reading_script

    time = VirtualClock()
    discord = FakeDiscord(time.clock)
    world = await open_world("live.db", discord, time)
    record = await world.story("the-long-watch")
    await world.readings.live.start(channel_id=30, guild_id=1, record=record, user_id=7)
    discord.crash_in(point)
    with contextlib.suppress(Crash):
        await world.run_for(DAY)
    assert discord.crashed
    await world.close()
    discord.crash_at, discord.crashed = None, False
    world = await open_world("live.db", discord, time)
    assert await world.readings.live.any_running()  # resumed by the engine, from the database
    await world.run_for(DAY)
    expected = [p.text for p in reading_script(await world.services.catalog.installments(record))]
    posted = [t for t in discord.channel(30) if not t.startswith("— *The end")]
    assert posted == expected  # every message once, in order

"""/schedule through the real discord.py stack, on SimCord's virtual time."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import discord
import pytest
from simcord import SetupError, assert_error

from bot.discord_adapter.runner import build_bot

PARIS = ZoneInfo("Europe/Paris")
DAY = 24 * 3600
# Weeks of virtual time pass in these tests; SimCord settles the bot at every wake-up.
pytestmark = pytest.mark.simcord(settle_timeout=60)


@pytest.fixture
def simcord_bot(services):
    bot = build_bot(services)
    # The dispatcher re-checks every 15 minutes against clock drift; virtual time has none, and
    # 8,000 idle re-checks between January and March would only slow the test down.
    bot.readings.engine.max_sleep = 7 * DAY
    return bot


def releases(env, channel):
    return [m for m in channel.history() if m.author.id == env.bot.user.id and m.content.startswith("📖")]


async def test_daily_at_20_paris_across_the_clock_change(simcord_env, world, stories_dir, services):
    _, channel, admin, _ = world
    chapters = "\n\n".join(f"Chapter {n}\n\n" + f"Evening {n} came softly. " * 40 for n in range(1, 8))
    (stories_dir / "evenings.txt").write_text(f"Title: Seven Evenings\nAuthor: Q\nRating: K\n\n{chapters}\n")
    await services.importer.import_paths()
    result = await admin.slash(
        channel,
        "schedule create",
        story="seven-evenings",
        channel=channel,
        start="2026-03-26",
        every="daily",
        at="20:00",
        timezone="Europe/Paris",
        minutes=1,
    )
    plan = {f.name: f.value for f in result.response.embeds[0].fields}
    assert plan["Installments"].startswith("7 ")
    first = datetime(2026, 3, 26, 20, 0, tzinfo=PARIS)
    assert f"<t:{int(first.timestamp())}:F>" in plan["First posts"]
    until = datetime(2026, 4, 3, tzinfo=UTC)
    await simcord_env.advance_time((until - simcord_env.now()).total_seconds())
    posted = releases(simcord_env, channel)
    assert [m.content.split("installment ")[1].split(" of")[0] for m in posted] == [str(n) for n in range(1, 8)]
    local = [m.created_at.astimezone(PARIS) for m in posted]
    assert [t.strftime("%d %H:%M") for t in local] == [f"{d} 20:00" for d in range(26, 32)] + ["01 20:00"]
    assert local[0].utcoffset() != local[-1].utcoffset()  # the clocks changed on 29 March


async def test_member_cannot_schedule_even_when_the_group_is_opened_to_them(simcord_env, world):
    guild, channel, _, member = world
    with pytest.raises(SetupError, match="default-member-permissions"):
        await member.slash(channel, "schedule list")
    commands = await simcord_env.bot.tree.fetch_commands()
    guild.set_command_permissions(next(c for c in commands if c.name == "schedule"), {member: True})
    refused = await member.slash(channel, "schedule list")
    assert refused.ephemeral and "Manage Server permission" in refused.response.content
    assert_error(simcord_env, discord.app_commands.MissingPermissions)


async def test_status_says_why_a_schedule_cannot_post(simcord_env, world):
    guild, channel, admin, _ = world
    await admin.slash(channel, "schedule create", story="fight-for-me", channel=channel, every="6 hours")
    deny = discord.PermissionOverwrite(send_messages=False)
    await simcord_env.bot.get_channel(channel.id).set_permissions(guild.me, overwrite=deny)
    await simcord_env.advance_time(7 * 3600)
    status = await admin.slash(channel, "schedule status", schedule=1)
    fields = {f.name: f.value for f in status.response.embeds[0].fields}
    assert fields["State"] == "paused"
    assert "Send Messages" in fields["What is wrong"]


async def test_bad_time_zone_and_cadence_are_named(simcord_env, world):
    _, channel, admin, _ = world
    bad_zone = await admin.slash(channel, "schedule create", story="fight-for-me", channel=channel, timezone="Paris")
    assert "`Paris` is not a time zone name" in bad_zone.response.content
    bad_every = await admin.slash(
        channel, "schedule create", story="fight-for-me", channel=channel, every="fortnightly"
    )
    assert "not a cadence" in bad_every.response.content
    listed = await admin.slash(channel, "schedule list")
    assert "No schedules yet" in listed.response.content
    assert len(simcord_env.errors) == 2


async def test_catchup_reads_only_what_the_channel_has_had_and_remembers(simcord_env, world, services):
    _, channel, admin, member = world
    await admin.slash(channel, "schedule create", story="fight-for-me", channel=channel, every="daily", minutes=1)
    await simcord_env.advance_time(4 * DAY)  # four installments of five released
    posted_texts = [
        m.content
        for m in channel.history()
        if m.author.id == simcord_env.bot.user.id
        and m.type is discord.MessageType.default
        and not m.content.startswith("📖")
    ]
    first = await member.slash(channel, "catchup")
    assert first.ephemeral
    pages = [first.response.content]
    labels = [c.get("label") or "" for row in first.response.components for c in row["components"]]
    position = next(label for label in labels if "/" in label)
    for _ in range(int(position.split("/")[1]) - 1):
        result = await member.click(first.response, label="Next ▶")
        pages.append(result.response.content)
    assert pages == posted_texts  # the reader sees exactly what the channel had, nothing beyond it
    await member.click(first.response, label="◀ Previous")  # back to the second-to-last page
    again = await member.slash(channel, "catchup")
    assert again.response.content == pages[-2]  # from where they left off
    from bot.core.recap import sentences

    [previously] = again.response.embeds  # a recap bounded by the reader's own progress
    assert set(sentences([previously.description])) <= set(sentences(pages[:-2]))
    fresh = await member.slash(channel, "catchup", from_start=True)
    assert fresh.response.content == pages[0]


async def test_edit_moves_the_next_post_to_the_new_cadence(simcord_env, world):
    _, channel, admin, _ = world
    await admin.slash(
        channel, "schedule create", story="fight-for-me", channel=channel, every="daily", at="20:00", timezone="UTC"
    )
    edited = await admin.slash(channel, "schedule edit", schedule=1, at="08:15")
    fields = {f.name: f.value for f in edited.response.embeds[0].fields}
    assert fields["Cadence"] == "daily at 08:15 (UTC)"
    shown = await admin.slash(channel, "schedule show", schedule=1)
    names = [f.name for f in shown.response.embeds[0].fields]
    assert "Next posts" in names and "Ends" in names


async def test_a_new_thread_for_each_installment(simcord_env, world):
    _, channel, admin, _ = world
    await admin.slash(
        channel, "schedule create", story="fight-for-me", channel=channel, every="daily", minutes=1, thread="each"
    )
    await simcord_env.advance_time(2 * DAY)
    headings = releases(simcord_env, channel)
    assert len(headings) == 2
    assert len(channel.threads) == 2
    for thread in channel.threads:
        texts = [
            m.content
            for m in thread.history()
            if m.author.id == simcord_env.bot.user.id and m.type is discord.MessageType.default
        ]
        assert len(texts) == 1 and not texts[0].startswith("📖")


async def test_recap_and_summary_never_reach_past_the_last_release(simcord_env, world, services):
    from bot.core.recap import sentences

    _, channel, admin, member = world
    await admin.slash(channel, "schedule create", story="fight-for-me", channel=channel, every="daily", minutes=1)
    await simcord_env.advance_time(2 * DAY)  # two of five installments released
    record = await services.stories.by_slug("fight-for-me")
    installments = await services.catalog.installments(record, 1)
    released = set(sentences([m for i in installments[:2] for m in i.messages]))
    unreleased = set(sentences([m for i in installments[2:] for m in i.messages])) - released
    result = await member.slash(channel, "recap")
    embed = result.response.embeds[0]
    assert embed.title == "Previously in Fight For Me" and "2 installments" in embed.footer.text
    recap_sentences = set(sentences([embed.description]))
    assert recap_sentences and recap_sentences <= released and not recap_sentences & unreleased
    summary = await member.slash(channel, "summary", title="fight-for-me")
    fields = {f.name: f.value for f in summary.response.embeds[0].fields}
    assert set(sentences([fields["Previously"]])) <= released


async def test_recap_without_a_reading_says_so(simcord_env, world):
    _, channel, _, member = world
    result = await member.slash(channel, "recap")
    assert result.ephemeral and "Nothing has been read in this channel yet" in result.response.content
    assert_error(simcord_env, Exception, contains="nothing to recap")


async def test_more_button_releases_the_next_installment_early(simcord_env, world):
    guild, channel, admin, _ = world
    readers = [guild.add_member(simcord_env.create_user(f"reader{n}")) for n in range(3)]
    await admin.slash(
        channel, "schedule create", story="fight-for-me", channel=channel, every="daily", minutes=1, more=2
    )
    await simcord_env.advance_time(DAY)
    assert len(releases(simcord_env, channel)) == 1
    last = [m for m in channel.history() if m.author.id == simcord_env.bot.user.id][-1]
    first = await readers[0].click(last, label="More!")
    assert "1 of 2" in first.response.content
    again = await readers[0].click(last, label="More!")  # the same reader twice counts once
    assert "1 of 2" in again.response.content
    second = await readers[1].click(last, label="More!")
    assert "on its way" in second.response.content
    await simcord_env.advance_time(60)
    assert len(releases(simcord_env, channel)) == 2
    third = await readers[2].click(last, label="More!")
    assert "already" in third.response.content
    await simcord_env.advance_time(60)
    assert len(releases(simcord_env, channel)) == 2


async def test_a_schedules_role_is_pinged_by_the_heading_only(simcord_env, world, stories_dir, services):
    guild, channel, admin, _ = world
    (stories_dir / "ping.txt").write_text("Title: Ping\nRating: K\n\n@everyone and <@&123> in the story text.\n")
    await services.importer.import_paths()
    role = guild.create_role("Readers")
    await admin.slash(channel, "schedule create", story="ping", channel=channel, every="daily", role=role)
    await simcord_env.advance_time(DAY)
    posts = [
        r.json for r in simcord_env.http_requests if r.method == "POST" and r.path.endswith(f"{channel.id}/messages")
    ]
    heading = next(p for p in posts if p["content"].startswith("📖"))
    text = next(p for p in posts if "@everyone" in p["content"])
    assert heading["allowed_mentions"]["roles"] == [str(role.id)] or heading["allowed_mentions"]["roles"] == [role.id]
    assert text["allowed_mentions"]["parse"] == [] and not text["allowed_mentions"].get("roles")

"""Reactions on installments, /reactions with its chart, and /feedback, kept per guild."""

from __future__ import annotations

import discord

from bot.discord_adapter.runner import build_bot


def story_posts(env, channel):
    return [
        m
        for m in channel.history()
        if m.author.id == env.bot.user.id
        and m.type is discord.MessageType.default
        and not m.embeds
        and not m.content.startswith("— *The end")
    ]


async def read_story(env, guild_name="Guild"):
    guild = env.create_guild(name=guild_name)
    channel = guild.create_text_channel("reading")
    alice = guild.add_member(env.create_user(f"alice-{guild_name}"))
    bob = guild.add_member(env.create_user(f"bob-{guild_name}"))
    await alice.slash(channel, "story", title="fight-for-me")
    await env.advance_time(3600)
    return guild, channel, alice, bob


async def test_reactions_count_across_a_restart_and_removal_lowers_them(simcord_env, services):
    _, channel, alice, bob = await read_story(simcord_env)
    first, second = story_posts(simcord_env, channel)[:2]
    await alice.react(first, "❤️")
    await simcord_env.restart_bot(build_bot(services))  # the message is no longer in any cache
    await bob.react(first, "❤️")
    await bob.react(second, "😢")
    await bob.react(second, "😢")  # the same reaction twice counts once
    [row] = await services.responses.by_installment((await services.stories.by_slug("fight-for-me")).id, None)
    assert row.counts == {"❤️": 2, "😢": 1}
    await bob.unreact(first, "❤️")
    [row] = await services.responses.by_installment((await services.stories.by_slug("fight-for-me")).id, None)
    assert row.counts == {"❤️": 1, "😢": 1}
    result = await alice.slash(channel, "reactions", title="fight-for-me")
    embed = result.response.embeds[0]
    totals = {f.name: f.value for f in embed.fields}["Totals"]
    assert "❤️ 1" in totals and "😢 1" in totals
    assert any(f.name.startswith("Installment 1") for f in embed.fields)
    [attachment] = result.response.attachments
    assert attachment.filename == "reactions.png"
    assert (await attachment.read()).startswith(b"\x89PNG")


async def test_reactions_on_other_messages_are_ignored(simcord_env, services):
    _, channel, alice, bob = await read_story(simcord_env)
    chatter = await bob.send(channel, "great story!")
    await alice.react(chatter, "👍")
    record = await services.stories.by_slug("fight-for-me")
    assert await services.responses.by_installment(record.id, None) == []


async def test_two_guilds_never_see_each_others_reactions_or_feedback(simcord_env, services):
    _, channel_a, alice_a, _ = await read_story(simcord_env, "A")
    _, channel_b, alice_b, _ = await read_story(simcord_env, "B")
    await alice_a.react(story_posts(simcord_env, channel_a)[0], "🔥")
    shown = await alice_b.slash(channel_b, "reactions", title="fight-for-me")
    assert "No reactions" in shown.response.content
    modal = await alice_a.slash(channel_a, "feedback", title="fight-for-me")
    saved = await alice_a.submit_modal(modal, {"feedback_text": "Beautiful and sad."})
    assert "saved for the author" in saved.response.content
    record = await services.stories.by_slug("fight-for-me")
    guild_a = simcord_env.bot.get_channel(channel_a.id).guild.id
    [a] = await services.responses.feedback(record.id, guild_a)
    assert a.text == "Beautiful and sad." and a.user_name.startswith("alice-A") and a.installment == 1
    guild_b = simcord_env.bot.get_channel(channel_b.id).guild.id
    assert await services.responses.feedback(record.id, guild_b) == []


async def test_feedback_export_lists_each_installment_with_reactions_and_feedback(simcord_env, services):
    import json

    from bot.reading.feedback import as_markdown, feedback_report

    _, channel, alice, bob = await read_story(simcord_env)
    posts = story_posts(simcord_env, channel)
    await alice.react(posts[0], "❤️")
    await bob.react(posts[-1], "😢")
    modal = await bob.slash(channel, "feedback", title="fight-for-me")
    await bob.submit_modal(modal, {"feedback_text": "The last line broke me."})
    record = await services.stories.by_slug("fight-for-me")
    report = await feedback_report(record, services.catalog, services.responses)
    assert [row["number"] for row in report["installments"]] == [1]
    [row] = report["installments"]
    assert row["reactions"] == {"❤️": 1, "😢": 1}
    assert row["feedback"][0]["reader"].startswith("bob") and row["feedback"][0]["text"] == "The last line broke me."
    markdown = as_markdown(report)
    assert "## Installment 1: Fight For Me" in markdown and "The last line broke me." in markdown
    json.dumps(report)  # the JSON export is plain data

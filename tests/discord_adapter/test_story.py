"""/story, /summary and /rating through the real discord.py stack."""

from __future__ import annotations

import discord
from simcord import assert_error

from bot.core.errors import StoryNotFound
from bot.core.gating import RatingRefused
from bot.core.text import plain_words
from tests.conftest import SHIPPED_STORY
from tests.discord_adapter.conftest import age_restrict

BODY_WORDS = plain_words(SHIPPED_STORY.read_text(encoding="utf-8").split("\n\n", 1)[1])


def story_messages(channel, bot_id):
    return [
        m for m in channel.history() if m.author.id == bot_id and m.type is discord.MessageType.default and not m.embeds
    ]


async def test_story_posts_card_then_whole_story_in_order(simcord_env):
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("reading")
    alice = guild.add_member(simcord_env.create_user("alice"))

    result = await alice.slash(channel, "story", title="fight-for-me")
    card = result.response.embeds[0]
    assert card.title == "Fight For Me"
    fields = {f.name: f.value for f in card.fields}
    assert fields["Author"] == "Singing Violin"
    assert fields["Rating"].startswith("**G**")
    assert "1,243 words" in fields["Length"]

    await simcord_env.advance_time(60 * 30)
    posts = [m.content for m in story_messages(channel, simcord_env.bot.user.id)]
    text = [p for p in posts if not p.startswith("— *The end")]
    assert all(len(p) <= 2000 for p in posts)
    assert [w for p in text for w in plain_words(p)] == BODY_WORDS
    assert posts[-1].startswith("— *The end of **Fight For Me**")


async def test_summary_returns_the_summary_verbatim(simcord_env):
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("general")
    alice = guild.add_member(simcord_env.create_user("alice"))
    result = await alice.slash(channel, "summary", title="Fight For Me")
    assert result.response.embeds[0].description == (
        "One last reunion. A request, denied. Another granted. Love. Peace."
    )


async def test_unknown_title_suggests(simcord_env):
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("general")
    alice = guild.add_member(simcord_env.create_user("alice"))
    result = await alice.slash(channel, "summary", title="fight fo mee")
    assert result.ephemeral
    assert "Did you mean `fight-for-me`" in result.response.content
    assert_error(simcord_env, StoryNotFound)


async def test_autocomplete_matches_title_author_and_fandom(simcord_env):
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("general")
    alice = guild.add_member(simcord_env.create_user("alice"))
    empty = await alice.autocomplete(channel, "story", "title", "")
    assert len(empty) == 3
    by_title = await alice.autocomplete(channel, "story", "title", "figh")
    assert by_title[0]["value"] == "fight-for-me"
    by_author = await alice.autocomplete(channel, "story", "title", "singing")
    assert [c["value"] for c in by_author] == ["fight-for-me"]
    typo = await alice.autocomplete(channel, "story", "title", "fihgt for me")
    assert "fight-for-me" in [c["value"] for c in typo]


async def test_explicit_story_refused_in_ordinary_channel_with_reason(simcord_env):
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("general")
    alice = guild.add_member(simcord_env.create_user("alice"))
    result = await alice.slash(channel, "story", title="midnight-heat")
    assert result.ephemeral
    assert "rated E" in result.response.content and "age-restricted" in result.response.content
    assert_error(simcord_env, RatingRefused)
    await simcord_env.advance_time(600)
    assert story_messages(channel, simcord_env.bot.user.id) == []


async def test_explicit_story_read_in_age_restricted_channel(simcord_env):
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("after-dark")
    alice = guild.add_member(simcord_env.create_user("alice"))
    age_restrict(simcord_env, channel)
    result = await alice.slash(channel, "story", title="midnight-heat")
    assert not result.ephemeral
    assert result.response.embeds[0].description == "Secret summary."
    await simcord_env.advance_time(3600)
    posts = story_messages(channel, simcord_env.bot.user.id)
    assert len(posts) >= 2 and posts[-1].content.startswith("— *The end of **Midnight Heat**")


async def test_explicit_story_read_in_a_thread_under_an_age_restricted_channel(simcord_env):
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("after-dark")
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(simcord_env.create_user("admin"), roles=[admins])
    age_restrict(simcord_env, channel)
    await admin.slash(channel, "settings", threads=True)
    result = await admin.slash(channel, "story", title="midnight-heat")
    assert not result.ephemeral
    [thread] = channel.threads
    assert simcord_env.bot.get_channel(thread.id).is_nsfw()  # a thread follows its parent
    await simcord_env.advance_time(3600)
    posts = story_messages(thread, simcord_env.bot.user.id)
    assert len(posts) >= 2 and posts[-1].content.startswith("— *The end of **Midnight Heat**")
    assert story_messages(channel, simcord_env.bot.user.id) == []


async def test_guild_maximum_refuses_mature_everywhere(simcord_env):
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("after-dark")
    admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    admin = guild.add_member(simcord_env.create_user("admin"), roles=[admins])
    age_restrict(simcord_env, channel)
    saved = await admin.slash(channel, "settings", max_rating="T")
    assert "Settings saved" in saved.response.content
    result = await admin.slash(channel, "story", title="grey-areas")
    assert result.ephemeral and "above this server's limit of T" in result.response.content
    assert_error(simcord_env, RatingRefused)


async def test_summary_of_mature_story_is_redacted_outside_age_restricted_channels(simcord_env):
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("general")
    alice = guild.add_member(simcord_env.create_user("alice"))
    result = await alice.slash(channel, "summary", title="grey-areas")
    assert "Mature summary" not in result.response.embeds[0].description
    assert "Summary hidden" in result.response.embeds[0].description


async def test_rating_explains_where_it_may_be_read(simcord_env):
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("general")
    alice = guild.add_member(simcord_env.create_user("alice"))
    result = await alice.slash(channel, "rating", title="midnight-heat")
    fields = {f.name: f.value for f in result.response.embeds[0].fields}
    assert fields["As the author rated it"] == "Explicit"
    assert fields["Where it may be read"] == "Only in age-restricted channels."
    assert "age-restricted" in fields["Here"]


async def test_story_text_pings_no_one(simcord_env, stories_dir, services):
    (stories_dir / "ping.txt").write_text("Title: Ping\nRating: K\n\n@everyone look! <@&123> and <@456>.\n")
    await services.importer.import_paths()
    guild = simcord_env.create_guild()
    channel = guild.create_text_channel("general")
    alice = guild.add_member(simcord_env.create_user("alice"))
    await alice.slash(channel, "story", title="ping")
    await simcord_env.advance_time(60)
    posts = [r for r in simcord_env.http_requests if r.method == "POST" and r.path.endswith("/messages")]
    story_post = next(r for r in posts if "@everyone" in (r.json or {}).get("content", ""))
    assert story_post.json["allowed_mentions"]["parse"] == []

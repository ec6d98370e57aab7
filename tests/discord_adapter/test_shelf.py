"""/import and /remove through the real discord.py stack: shelves per server, refusals, big files."""

from __future__ import annotations

import importlib.util
import resource
import time

import discord
import pytest
from discord import app_commands
from simcord import SetupError, assert_error

from bot.core.errors import FetchFailed, ImportRefused, InvalidOption, NotAllowed, StoryNotFound
from bot.library import fetch
from tests.discord_adapter.conftest import _body

GARDEN = f"Title: Secret Garden\nAuthor: Mary\nRating: Teen\nSummary: A door in a wall.\n\n{_body(3000)}\n"


@pytest.fixture
def two_servers(simcord_env, world):
    """Server A (from ``world``) and a server B with its own admin."""
    other = simcord_env.create_guild()
    other_channel = other.create_text_channel("general")
    admins = other.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
    other_admin = other.add_member(simcord_env.create_user("other-admin"), roles=[admins])
    return world, (other, other_channel, other_admin)


def cdn_reads(env) -> list[str]:
    """Every attachment download the bot makes from now on (SimCord's CDN)."""
    reads: list[str] = []
    cdn = env.backend.cdn
    original = cdn.get

    def counted(url: str) -> bytes | None:
        reads.append(url)
        return original(url)

    cdn.get = counted
    return reads


async def test_an_imported_file_is_read_in_its_server_and_invisible_in_another(simcord_env, two_servers):
    (_, channel, admin, member), (_, other_channel, other_admin) = two_servers
    result = await admin.slash(channel, "import", file=("garden.txt", GARDEN.encode()))
    assert result.ephemeral
    assert "Added **Secret Garden** to this server's shelf" in result.response.content
    assert "installments at" in result.response.content and "Shelf: 1 of" in result.response.content
    card = result.response.embeds[0]
    assert card.title == "Secret Garden" and any(f.name == "Rating" and "T" in f.value for f in card.fields)

    suggestions = await member.autocomplete(channel, "story", "title", "secr")
    assert "secret-garden" in [c["value"] for c in suggestions]
    story = await member.slash(channel, "story", title="secret-garden")
    assert story.response.embeds[0].title == "Secret Garden"

    elsewhere = await other_admin.autocomplete(other_channel, "story", "title", "secr")
    assert "secret-garden" not in [c["value"] for c in elsewhere]
    refused = await other_admin.slash(other_channel, "summary", title="secret-garden")
    assert refused.ephemeral and "Secret Garden" not in refused.response.content
    assert_error(simcord_env, StoryNotFound)
    shared = await other_admin.slash(other_channel, "library")
    assert "Secret Garden" not in str(shared.response.embeds[0].to_dict())
    assert "this server's own" not in shared.response.embeds[0].footer.text
    here = (await member.slash(channel, "library")).response.embeds[0]
    assert "📗 **Secret Garden**" in here.description and "**Fight For Me**" in here.description
    assert "📗 this server's own" in here.footer.text


async def test_members_without_manage_server_are_refused(simcord_env, world, services):
    guild, channel, _, member = world
    assert "import" not in member.available_commands(channel)
    with pytest.raises(SetupError, match="default-member-permissions"):
        await member.slash(channel, "import", file=("garden.txt", GARDEN.encode()))
    commands = await simcord_env.bot.tree.fetch_commands()
    for name in ("import", "remove"):  # opened to them in Integrations: the bot still checks
        guild.set_command_permissions(next(c for c in commands if c.name == name), {member: True})
    reads = cdn_reads(simcord_env)
    refused = await member.slash(channel, "import", file=("garden.txt", GARDEN.encode()))
    assert refused.ephemeral and "Manage Server permission" in refused.response.content
    assert_error(simcord_env, app_commands.MissingPermissions)
    assert reads == [] and await services.stories.count() == 3
    refused = await member.slash(channel, "remove", story="fight-for-me")
    assert refused.ephemeral and "Manage Server permission" in refused.response.content
    assert_error(simcord_env, app_commands.MissingPermissions)


async def test_remove_ends_the_reading_with_a_notice_and_only_takes_own_stories(simcord_env, world, services):
    _, channel, admin, member = world
    await admin.slash(channel, "import", file=("garden.txt", GARDEN.encode()))
    await member.slash(channel, "story", title="secret-garden")
    await simcord_env.advance_time(5)
    own = await admin.autocomplete(channel, "remove", "story", "")
    assert [c["value"] for c in own] == ["secret-garden"]  # the shared stories are not offered
    removed = await admin.slash(channel, "remove", story="secret-garden")
    assert removed.ephemeral and "Removed **Secret Garden**" in removed.response.content
    assert "Ended 1 live reading" in removed.response.content
    await simcord_env.advance_time(3600)
    posts = [m.content for m in channel.history() if m.author.id == simcord_env.bot.user.id]
    notice = [i for i, p in enumerate(posts) if "removed from this server's shelf" in p]
    assert len(notice) == 1 and notice[0] == len(posts) - 1  # nothing of the story after the notice
    gone = await member.slash(channel, "story", title="secret-garden")
    assert gone.ephemeral and gone.response.embeds == []
    assert_error(simcord_env, StoryNotFound)
    shared = await admin.slash(channel, "remove", story="fight-for-me")
    assert shared.ephemeral and "shared library" in shared.response.content
    assert_error(simcord_env, NotAllowed)


async def test_a_30_mb_attachment_is_refused_without_being_downloaded(simcord_env, world, services):
    _, channel, admin, _ = world
    reads = cdn_reads(simcord_env)
    big = b"word " * (6 * 1024 * 1024)  # 30 MB
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.monotonic()
    result = await admin.slash(channel, "import", file=("huge.txt", big))
    elapsed = time.monotonic() - started
    grew = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) * 1024
    assert result.ephemeral and "is 30.0 MB" in result.response.content and "at most 10.0 MB" in result.response.content
    assert_error(simcord_env, ImportRefused)
    assert reads == [], "the attachment was downloaded"
    assert elapsed < 10 and grew < 500 * 1024 * 1024
    assert await services.stories.count() == 3


async def test_one_of_file_or_url_and_only_story_files(simcord_env, world):
    _, channel, admin, _ = world
    neither = await admin.slash(channel, "import")
    assert neither.ephemeral and "one of `file`" in neither.response.content
    assert_error(simcord_env, InvalidOption)
    reads = cdn_reads(simcord_env)
    program = await admin.slash(channel, "import", file=("setup.exe", b"MZ" * 100))
    assert program.ephemeral and "not a story file" in program.response.content
    assert_error(simcord_env, ImportRefused)
    broken = await admin.slash(channel, "import", file=("broken.epub", b"not a zip"))
    assert broken.ephemeral and "cannot be read" in broken.response.content
    assert_error(simcord_env, ImportRefused)
    assert len(reads) == 1  # only the file that might have been a story was fetched


needs_fanficfare = pytest.mark.skipif(
    importlib.util.find_spec("fanficfare") is None,
    reason="FanFicFare is not installed: pip install -e '.[test,fetch]' to test importing links",
)


@pytest.fixture
def offline_links(monkeypatch: pytest.MonkeyPatch) -> None:
    """FanFicFare's test site needs no network; any request it tried would go to a closed loopback port."""
    for name in ("http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.setenv(name, "http://127.0.0.1:9")
        monkeypatch.setenv(name.upper(), "http://127.0.0.1:9")
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)


GROWING = "[teststory:1001]\ntitle:A Growing Story\nauthor:Pat\nstatus:In-Progress\nchaptertitles:{}\n"


@needs_fanficfare
@pytest.mark.simcord(settle_timeout=60.0)  # FanFicFare runs as a real child process
async def test_a_link_is_fetched_read_in_its_server_and_updated_in_place(
    simcord_env, world, offline_links, monkeypatch
):
    """FanFicFare's offline test site makes ``[teststory:N]`` stories up from its config. Its chapters
    after the first print the time they were made, so the unchanged re-import has one chapter."""
    _, channel, admin, member = world
    monkeypatch.setattr(fetch, "_TEST_SITE_INI", GROWING.format("Prologue"))
    result = await admin.slash(channel, "import", url="http://test1.com?sid=1001")
    assert result.ephemeral
    text = result.response.content
    assert "Added **A Growing Story** to this server's shelf" in text and "A work in progress" in text
    card = result.response.embeds[0]
    assert any(f.name == "Length" and "1 chapter" in f.value for f in card.fields)
    story = await member.slash(channel, "summary", title="a-growing-story")
    assert story.response.embeds[0].title == "A Growing Story"

    again = await admin.slash(channel, "import", url="http://test1.com?sid=1001")
    assert "unchanged since the last import" in again.response.content
    monkeypatch.setattr(fetch, "_TEST_SITE_INI", GROWING.format("Prologue,Chapter 1"))
    grown = await admin.slash(channel, "import", url="http://test1.com?sid=1001")
    assert "Updated **A Growing Story**" in grown.response.content
    assert any(f.name == "Length" and "2 chapters" in f.value for f in grown.response.embeds[0].fields)
    assert grown.response.embeds[0].footer.text == "/story a-growing-story"  # the same slug


@needs_fanficfare
async def test_a_link_fanficfare_cannot_read_is_named(simcord_env, world, offline_links):
    _, channel, admin, _ = world
    missing = await admin.slash(channel, "import", url="http://test1.com?sid=666")
    assert missing.ephemeral and "test1.com" in missing.response.content
    assert_error(simcord_env, FetchFailed)
    # The error takes the place of the progress message: nothing says "Fetching…" for ever.
    assert "Fetching" not in missing.response.content and missing.followups == []
    assert missing.response.embeds == []

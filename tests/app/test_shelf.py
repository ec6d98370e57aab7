"""/import and /remove as use cases: shelves, quotas, duplicates, updates in place, refusals."""

from __future__ import annotations

from dataclasses import dataclass, replace

import pytest

from bot.app.ports import ShelfLimits
from bot.app.shelf import Outcome, safe_filename
from bot.core.errors import FetchFailed, FetchUnavailable, ImportRefused, NotAllowed, StoryNotFound
from bot.core.models import StoryRecord
from tests.app.conftest import BODY, CHANNEL, GUILD, admin, member

OTHER_GUILD = 300
STORY = "Title: Secret Garden\nAuthor: Mary\nRating: Teen\nSummary: A door in a wall.\n\n{}\n"


def upload(title: str = "Secret Garden", body: str = BODY) -> bytes:
    return STORY.replace("Secret Garden", title).format(body).encode()


def elsewhere(**kwargs: object):
    return replace(admin(), guild_id=OTHER_GUILD, **kwargs)


async def test_an_uploaded_story_is_read_in_its_server_and_invisible_elsewhere(app):
    imported = await app.shelf.import_file(admin(), "garden.txt", upload())
    assert imported.outcome == Outcome.ADDED
    assert imported.record.guild_id == GUILD and imported.record.slug == "secret-garden"
    assert imported.installments >= 1 and imported.card.record.rating.level.value == "T"
    assert imported.usage.stories == 1 and imported.usage.bytes == len(upload())
    card = await app.stories.summary(member(), "secret-garden")
    assert card.record.id == imported.record.id
    assert ("secret-garden", "Secret Garden") in await app.stories.complete("secr", GUILD)
    with pytest.raises(StoryNotFound):
        await app.stories.summary(elsewhere(), "secret-garden")
    assert "secret-garden" not in dict(await app.stories.complete("secr", OTHER_GUILD))
    page = await app.stories.library(guild_id=OTHER_GUILD)
    assert "Secret Garden" not in {r.title for r in page.records}


async def test_only_members_with_manage_server_import_and_remove(app):
    with pytest.raises(NotAllowed, match="Manage Server"):
        await app.shelf.import_file(member(), "garden.txt", upload())
    await app.shelf.import_file(admin(), "garden.txt", upload())
    with pytest.raises(NotAllowed, match="Manage Server"):
        await app.shelf.remove(member(), "secret-garden")


async def test_the_same_file_again_updates_in_place_and_the_same_content_is_no_second_story(app):
    first = await app.shelf.import_file(admin(), "garden.txt", upload())
    again = await app.shelf.import_file(admin(), "garden.txt", upload())
    assert again.outcome == Outcome.UNCHANGED and again.record.id == first.record.id
    copy = await app.shelf.import_file(admin(), "copy-of-garden.txt", upload())
    assert copy.outcome == Outcome.ALREADY and copy.record.id == first.record.id
    longer = await app.shelf.import_file(admin(), "garden.txt", upload(body=BODY + "\n\nA new ending."))
    assert longer.outcome == Outcome.UPDATED
    assert (longer.record.id, longer.record.slug) == (first.record.id, first.record.slug)
    shipped = await app.shelf.import_file(admin(), "fight.txt", (await _shipped_bytes(app)))
    assert shipped.outcome == Outcome.ALREADY and shipped.record.guild_id is None  # already in the shared library


async def test_own_story_wins_over_the_shared_one_of_the_same_slug(app):
    shared = await app.stories.summary(member(), "fight-for-me")
    own = await app.shelf.import_file(admin(), "fight.txt", upload("Fight For Me"))
    assert own.record.slug == "fight-for-me" and own.record.id != shared.record.id
    assert (await app.stories.summary(member(), "fight-for-me")).record.id == own.record.id
    assert (await app.stories.summary(elsewhere(), "fight-for-me")).record.id == shared.record.id


async def test_quotas_keep_a_server_from_filling_the_disk(app):
    object.__setattr__(app.shelf.intake, "limits", ShelfLimits(max_file_bytes=50_000, max_stories=1, max_bytes=60_000))
    with pytest.raises(ImportRefused, match=r"may be at most 49 KB"):
        await app.shelf.import_file(admin(), "huge.txt", b"x" * 50_001)
    await app.shelf.import_file(admin(), "garden.txt", upload())
    with pytest.raises(ImportRefused, match="shelf is full: 1 of 1 stories"):
        await app.shelf.import_file(admin(), "second.txt", upload("Second Story"))
    object.__setattr__(
        app.shelf.intake, "limits", ShelfLimits(max_file_bytes=50_000, max_stories=5, max_bytes=len(upload()))
    )
    with pytest.raises(ImportRefused, match="room for"):
        await app.shelf.import_file(admin(), "second.txt", upload("Second Story"))
    # replacing a story counts its new size, not both
    await app.shelf.import_file(admin(), "garden.txt", upload(body=BODY[:-10]))


async def test_unreadable_files_are_refused_with_the_reason(app):
    with pytest.raises(ImportRefused, match="not a story file"):
        await app.shelf.import_file(admin(), "virus.exe", b"MZ")
    with pytest.raises(ImportRefused, match="cannot be read"):
        await app.shelf.import_file(admin(), "broken.epub", b"not a zip at all")


async def test_remove_ends_readings_and_serials_with_a_notice_and_keeps_the_record(app, publisher):
    imported = await app.shelf.import_file(admin(), "garden.txt", upload())
    prepared = await app.readings.prepare(member(), "secret-garden")
    await app.readings.start(member(), prepared)
    removed = await app.shelf.remove(admin(), "secret-garden")
    assert (removed.title, removed.readings_ended) == ("Secret Garden", 1)
    assert not publisher.sent  # the command answers at once; the notice waits for the send queue
    await app.shelf.readings.start()
    await app.shelf.readings.engine.idle()
    assert any(c == CHANNEL and "removed from this server's shelf" in t for c, t in publisher.sent)
    with pytest.raises(StoryNotFound):
        await app.stories.summary(member(), "secret-garden")
    kept: StoryRecord | None = await app.stories.stories.by_id(imported.record.id, removed_too=True)
    assert kept is not None and kept.title == "Secret Garden"


async def test_a_shared_story_cannot_be_removed_from_discord(app):
    with pytest.raises(NotAllowed, match="shared library"):
        await app.shelf.remove(admin(), "fight-for-me")


@dataclass
class FakeFetcher:
    """One link, at ``url`` once fetched; its story's ``body`` may grow between fetches."""

    url: str = "https://example.test/s/1"
    body: str = BODY
    available: bool = True
    calls: int = 0

    async def __call__(self, url: str):
        self.calls += 1
        if "missing" in url:
            raise FetchFailed("That story does not exist.")
        return _Fetched(self.url, "story.txt", upload("Linked Tale", self.body))


@dataclass(frozen=True)
class _Fetched:
    url: str
    filename: str
    data: bytes


async def test_links_go_through_the_fetcher_with_progress(app):
    fetcher = FakeFetcher()
    object.__setattr__(app.shelf.intake, "fetcher", fetcher)
    said: list[str] = []

    async def progress(text: str) -> None:
        said.append(text)

    imported = await app.shelf.import_link(admin(), "https://example.test/s/1", progress)
    assert imported.record.source_url == "https://example.test/s/1" and imported.record.guild_id == GUILD
    assert said[0].startswith("Fetching") and len(said) == 2
    with pytest.raises(FetchFailed, match="does not exist"):
        await app.shelf.import_link(admin(), "https://example.test/missing")
    object.__setattr__(app.shelf.intake, "fetcher", FakeFetcher(available=False))
    with pytest.raises(FetchUnavailable, match=r"pip install '\.\[fetch\]'"):
        await app.shelf.import_link(admin(), "https://example.test/s/1")


def test_file_names_are_kept_without_paths_or_odd_characters():
    assert safe_filename("../../etc/passwd.txt") == "passwd.txt"
    assert safe_filename("C:\\Users\\me\\story.epub") == "story.epub"
    assert safe_filename("a\x00b<script>.html") == "a_b_script_.html"
    assert len(safe_filename("x" * 500 + ".txt")) == 120


async def _shipped_bytes(app) -> bytes:
    from tests.conftest import SHIPPED_STORY

    return SHIPPED_STORY.read_bytes()


async def test_the_authors_export_still_has_a_removed_storys_feedback(app, services):
    from bot.reading.feedback import as_markdown, feedback_report

    imported = await app.shelf.import_file(admin(), "garden.txt", upload())
    await app.responses.submit_feedback(member(), imported.record.id, "The door in the wall!")
    await app.shelf.remove(admin(), "secret-garden")
    assert await services.shelves.removed("secret-garden", OTHER_GUILD) is None  # another server's: not found
    record = await services.shelves.removed("secret-garden", GUILD)
    assert record is not None and record.id == imported.record.id
    report = await feedback_report(record, services.catalog, services.responses, removed=True)
    assert [n["text"] for n in report["general_feedback"]] == ["The door in the wall!"]
    assert report["removed"] and "its text is gone" in as_markdown(report)


async def test_the_same_file_name_with_another_story_is_a_second_story(app):
    alpha = await app.shelf.import_file(admin(), "story.txt", upload("Alpha Story"))
    beta = await app.shelf.import_file(admin(), "story.txt", upload("Beta Story"))
    assert (alpha.outcome, beta.outcome) == (Outcome.ADDED, Outcome.ADDED)
    assert alpha.record.id != beta.record.id
    assert (await app.stories.summary(member(), "alpha-story")).record.title == "Alpha Story"


async def test_update_grows_every_shelfs_copy_of_a_link_even_when_another_copy_is_ahead(app):
    fetcher = FakeFetcher("https://example.test/s/9")
    object.__setattr__(app.shelf.intake, "fetcher", fetcher)
    shared = await app.shelf.intake.link(None, "https://example.test/s/9")
    fetcher.body = BODY + "\n\nThe second day began slowly."
    own = await app.shelf.import_link(admin(), "https://example.test/s/9")
    assert own.outcome == Outcome.ADDED and own.record.id != shared.record.id  # the server's copy is ahead
    fetcher.body = BODY + "\n\nThe second day began slowly.\n\nA third day, at last."
    results = await app.shelf.intake.refresh_links()
    assert [(r.guild_id, r.saved.outcome) for r in results] == [(None, Outcome.UPDATED), (GUILD, Outcome.UPDATED)]
    grown = await app.stories.summary(member(), "linked-tale")
    assert grown.record.id == own.record.id and grown.record.words == results[1].saved.record.words
    assert "A third day" in (await app.shelf.catalog.installments(grown.record))[-1].messages[-1]


async def test_a_link_is_checked_and_a_full_shelf_refused_before_anything_is_fetched(app):
    fetcher = FakeFetcher("https://example.test/s/9")
    object.__setattr__(app.shelf.intake, "fetcher", fetcher)
    said: list[str] = []

    async def progress(text: str) -> None:
        said.append(text)

    with pytest.raises(FetchFailed, match="Only http"):
        await app.shelf.import_link(admin(), "notaurl", progress)
    object.__setattr__(app.shelf.intake, "limits", ShelfLimits(max_file_bytes=50_000, max_stories=1, max_bytes=10**6))
    await app.shelf.import_file(admin(), "garden.txt", upload())
    with pytest.raises(ImportRefused, match="shelf is full"):
        await app.shelf.import_link(admin(), "https://example.test/s/9", progress)
    assert fetcher.calls == 0 and said == []


async def test_remove_takes_an_exact_slug_or_title_of_the_servers_own_stories(app):
    await app.shelf.import_file(admin(), "garden.txt", upload())
    with pytest.raises(StoryNotFound, match="Did you mean `secret-garden`"):
        await app.shelf.remove(admin(), "secret")  # no closest match for something that cannot be undone
    assert [slug for slug, _ in await app.shelf.own(admin(), "gard")] == ["secret-garden"]
    assert await app.shelf.own(admin(), "fight") == []  # shared stories are not offered
    removed = await app.shelf.remove(admin(), "SECRET GARDEN")
    assert removed.title == "Secret Garden"


async def test_update_fetches_a_link_once_for_every_shelf_that_holds_it(app):
    fetcher = FakeFetcher("https://example.test/s/9")
    object.__setattr__(app.shelf.intake, "fetcher", fetcher)
    await app.shelf.intake.link(None, "https://example.test/s/9")
    fetcher.body = BODY + "\n\nThe second day began slowly."
    await app.shelf.import_link(admin(), "https://example.test/s/9")
    fetcher.calls = 0
    results = await app.shelf.intake.refresh_links()
    assert fetcher.calls == 1 and [r.guild_id for r in results] == [None, GUILD]


async def test_an_admin_rates_a_file_that_gives_no_rating_and_a_files_own_rating_stands(app):
    unrated = upload().replace(b"Rating: Teen\n", b"")
    plain = await app.shelf.import_file(admin(), "garden.txt", unrated)
    assert plain.record.rating.level.value == "U"  # unrated: read only where Explicit may be
    rated = await app.shelf.import_file(admin(), "garden.txt", unrated, rating="G")
    assert rated.outcome == Outcome.UPDATED and rated.record.id == plain.record.id
    assert rated.record.rating.level.value == "G"
    assert "The file gives no rating: rated G, as you chose." in rated.notices
    card = await app.stories.summary(member(), "secret-garden")
    assert card.record.rating.level.value == "G"
    again = await app.shelf.import_file(admin(), "garden.txt", unrated, rating="G")
    assert again.outcome == Outcome.UNCHANGED
    own = await app.shelf.import_file(admin(), "other.txt", upload("Other Garden"), rating="G")
    assert own.record.rating.level.value == "T"
    assert any("The file rates it `Teen`, which stands" in n for n in own.notices)

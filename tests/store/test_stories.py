from dataclasses import replace
from datetime import UTC, datetime

from bot.core.models import Chapter, Story, StoryMeta
from bot.core.ratings import Rating
from bot.store.search import fts_prefix_query
from bot.store.stories import StoryRepository

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def story(title="Fight For Me", **meta):
    return Story(
        StoryMeta(title=title, author="Singing Violin", fandom="Buffy", rating_raw="K", **meta),
        (Chapter("One", ("First words here.", "⁂", "Second.")),),
    )


async def save(repo, s, path="a.txt", digest="h1", slug=None):
    return await repo.save(
        s, source_path=path, source_format="plain", content_hash=digest, slug=slug or "fight-for-me", now=NOW
    )


async def test_save_and_read_back(db):
    repo = StoryRepository(db)
    record, created = await save(repo, story(tags=("angst",), warnings=("Major Character Death",)))
    assert created
    assert record.slug == "fight-for-me"
    assert record.rating.level is Rating.G
    assert record.meta.tags == ("angst",)
    assert record.words == 4
    assert await repo.chapters(record.id) == (Chapter("One", ("First words here.", "⁂", "Second.")),)
    assert (await repo.by_slug("Fight-For-Me ")).id == record.id


async def test_changed_file_keeps_id_and_slug(db):
    repo = StoryRepository(db)
    first, _ = await save(repo, story())
    second, created = await save(repo, story(title="Fight For Me (revised)"), digest="h2", slug="fight-for-me-revised")
    assert not created
    assert (second.id, second.slug) == (first.id, first.slug)
    assert second.title == "Fight For Me (revised)"
    assert await repo.count() == 1
    assert [s for s, _ in await repo.title_matches("revised")] == ["fight-for-me"]


async def test_slugs_are_unique_across_files(db):
    repo = StoryRepository(db)
    a, _ = await save(repo, story(), path="a.txt")
    b, _ = await save(repo, story(), path="b.txt")
    assert (a.slug, b.slug) == ("fight-for-me", "fight-for-me-2")


async def test_sidecar_slug_wins(db):
    repo = StoryRepository(db)
    record, _ = await save(repo, replace(story(), meta=replace(story().meta, slug="fight")))
    assert record.slug == "fight"


async def test_search_matches_prefixes_in_every_field(db):
    repo = StoryRepository(db)
    await save(repo, story(), path="a.txt")
    await save(
        repo,
        Story(
            StoryMeta(title="Night Shift", author="Ann", fandom="Angel", summary="A vampire with a soul."),
            (Chapter("1", ("Text.",)),),
        ),
        path="b.txt",
        slug="night-shift",
    )
    assert [r.slug for r in await repo.search("fig")] == ["fight-for-me"]
    assert [r.slug for r in await repo.search("angel")] == ["night-shift"]
    assert [r.slug for r in await repo.search("vamp sou")] == ["night-shift"]
    assert [r.slug for r in await repo.search("singing vio")] == ["fight-for-me"]
    assert await repo.search("!!!") == []
    assert [s for s, _ in await repo.title_matches("nig")] == ["night-shift"]
    assert await repo.title_matches("angel") == []  # title search looks at titles only


def test_fts_query_quotes_user_text():
    assert fts_prefix_query('fight "OR" me*') == '"fight"* "or"* "me"*'
    assert fts_prefix_query("  ") is None


async def test_add_many_builds_a_searchable_library(db):
    repo = StoryRepository(db)
    await save(repo, story(), path="first.txt")
    await repo.add_many([(story(), f"{n}.txt") for n in range(3)], source_format="bench", now=NOW)
    slugs = sorted(r.slug for r in await repo.all())
    assert slugs == ["fight-for-me", "fight-for-me-2", "fight-for-me-3", "fight-for-me-4"]
    assert len(await repo.search("fight")) == 4
    record = await repo.by_slug("fight-for-me-4")
    assert len(await repo.chapters(record.id)) == 1


async def test_title_matches_put_title_starts_first(db):
    repo = StoryRepository(db)
    for n, name in enumerate(["The Night Shift", "Nightfall", "Café Nights"]):
        await save(repo, story(title=name), path=f"{n}.txt", slug=f"s{n}")
    assert [t for _, t in await repo.title_matches("night")] == [
        "Nightfall",
        "The Night Shift",
        "Café Nights",
    ]
    assert [t for _, t in await repo.title_matches("cafe")] == ["Café Nights"]
    assert await repo.title_matches("  ") == []


async def test_schedules_are_created_one_or_many_and_found_when_due(db):
    from datetime import timedelta

    from bot.core.schedule import parse_cadence
    from bot.core.serials import NewSchedule
    from bot.core.states import CatchUp
    from bot.store.schedules import ScheduleRepository

    repo = StoryRepository(db)
    record, _ = await save(repo, story())
    schedules = ScheduleRepository(db)

    def new(channel, minutes):
        return NewSchedule(
            1,
            channel,
            record.id,
            parse_cadence("daily"),
            "UTC",
            5.0,
            CatchUp.SHIFT,
            None,
            3,
            NOW + timedelta(minutes=minutes),
            NOW,
            9,
        )

    one = await schedules.create(new(10, 5), NOW)
    await schedules.create_many([new(11, 1), new(12, 60)], NOW)
    assert one.cadence == parse_cadence("daily") and one.state == "active"
    assert [s.channel_id for s in await schedules.due(NOW + timedelta(minutes=10))] == [11, 10]
    assert await schedules.earliest_due_after(NOW + timedelta(minutes=10)) == NOW + timedelta(minutes=60)
    assert await schedules.count_active() == 3


async def test_due_schedules_are_limited_to_the_guilds_in_scope(db):
    from datetime import timedelta

    from bot.core.schedule import parse_cadence
    from bot.core.scope import GuildScope
    from bot.core.serials import NewSchedule
    from bot.core.states import CatchUp
    from bot.store.schedules import ScheduleRepository

    record, _ = await save(StoryRepository(db), story())
    schedules = ScheduleRepository(db)
    shard_1, shard_0 = (1 << 22) * 3, (1 << 22) * 4
    for guild, minutes in ((1, 1), (shard_1, 2), (shard_0, 3)):
        new = NewSchedule(
            guild, 10, record.id, parse_cadence("daily"), "UTC", 5.0, CatchUp.SHIFT, None, 3,
            NOW + timedelta(minutes=minutes), NOW, 9,
        )  # fmt: skip
        await schedules.create(new, NOW)
    later = NOW + timedelta(minutes=10)
    assert [s.guild_id for s in await schedules.due(later, GuildScope.only(1))] == [1]
    assert [s.guild_id for s in await schedules.due(later, GuildScope.shards(frozenset({1}), 2))] == [shard_1]
    assert len(await schedules.due(later)) == 3
    assert await schedules.earliest_due_after(NOW, GuildScope.only(shard_0)) == NOW + timedelta(minutes=3)


async def test_save_many_inserts_and_updates_in_one_go(db):
    from bot.store.stories import Saved, StoryVersion, story_rows

    repo = StoryRepository(db)
    first, _ = await save(repo, story(), path="a.txt")

    def version(s, path, **kw):
        return StoryVersion(story_rows(s), path, "plain", "h-" + path, "fight-for-me", (10, 20, None, None), **kw)

    sidecar_slug = replace(story(), meta=replace(story().meta, slug="fight"))
    saved = await repo.save_many(
        [
            version(story(title="Fight For Me, Revised"), "a.txt", story_id=first.id, current_slug=first.slug),
            version(story(), "b.txt"),
            version(story(), "c.txt"),
            version(sidecar_slug, "d.txt"),
        ],
        now=NOW,
    )
    assert saved == [
        Saved(first.id, "fight-for-me", False),
        Saved(first.id + 1, "fight-for-me-2", True),
        Saved(first.id + 2, "fight-for-me-3", True),
        Saved(first.id + 3, "fight", True),
    ]
    assert (await repo.by_slug("fight-for-me")).title == "Fight For Me, Revised"
    assert [s for s, _ in await repo.title_matches("revised")] == ["fight-for-me"]
    assert len(await repo.search("singing")) == 4
    files = {f.source_path: f for f in await repo.library_files()}
    assert files["b.txt"].stamp == (10, 20, None, None) and files["b.txt"].content_hash == "h-b.txt"
    assert files["a.txt"].story_id == first.id


async def test_save_many_falls_back_to_one_story_at_a_time_on_a_conflict(db):
    from bot.store.stories import StoryVersion, story_rows

    repo = StoryRepository(db)
    existing, _ = await save(repo, story(), path="a.txt")
    # Another process saved a.txt meanwhile: the batch conflicts, each story is then saved alone.
    saved = await repo.save_many(
        [
            StoryVersion(story_rows(story(title="Night")), "b.txt", "plain", "h2", "night"),
            StoryVersion(story_rows(story(title="Day")), "a.txt", "plain", "h3", "day"),
        ],
        now=NOW,
    )
    assert [(s.slug, s.created) for s in saved] == [("night", True), ("fight-for-me", False)]
    assert (await repo.by_id(existing.id)).title == "Day"


async def test_update_sources_moves_a_story_and_records_its_stamp(db):
    repo = StoryRepository(db)
    record, _ = await save(repo, story(), path="a.txt")
    await repo.update_sources([(record.id, "moved/a.txt", (5, 6, 7, 8))])
    [f] = await repo.library_files()
    assert (f.story_id, f.slug, f.source_path, f.stamp) == (record.id, "fight-for-me", "moved/a.txt", (5, 6, 7, 8))
    assert (await repo.by_slug("fight-for-me")).source_path == "moved/a.txt"


async def test_a_cancelled_schedules_id_is_never_given_to_another(db):
    """Buttons under old installments carry their schedule's id: a new serial must not inherit it."""
    from datetime import timedelta

    from bot.core.schedule import parse_cadence
    from bot.core.serials import NewSchedule
    from bot.core.states import CatchUp
    from bot.store.schedules import ScheduleRepository

    record, _ = await save(StoryRepository(db), story())
    schedules = ScheduleRepository(db)
    new = NewSchedule(
        1, 10, record.id, parse_cadence("daily"), "UTC", 5.0, CatchUp.SHIFT, None, 3,
        NOW + timedelta(minutes=5), NOW, 9,
    )  # fmt: skip
    first = await schedules.create(new, NOW)
    await schedules.delete(first.id)
    second = await schedules.create(new, NOW)
    assert second.id > first.id
    await schedules.create_many([new, new], NOW)
    third = await schedules.create(new, NOW)
    assert third.id == second.id + 3


async def test_taken_slugs_are_found_per_shelf_through_the_slug_index(db):
    """The bulk save asks for the slugs each new one could meet; a table scan per batch made
    a first import of 10,000 stories spend most of its time here."""
    from bot.store.stories import _taken_slugs, taken_slugs_sql

    repo = StoryRepository(db)
    for n, slug in enumerate(["fight", "fight-for-me", "fight-for-me-2", "fighter", "night"]):
        await save(repo, story(title=slug), path=f"{n}.txt", slug=slug)
    await repo.save(
        story(), source_path="g.txt", source_format="plain", content_hash="g", slug="fight-for-me", now=NOW, guild_id=5
    )
    async with db.transaction() as conn:
        taken = await _taken_slugs(db, conn, {"fight-for-me", "night"}, None)
        assert taken == {"fight-for-me", "fight-for-me-2", "night"}
        assert await _taken_slugs(db, conn, {"fight-for-me"}, 5) == {"fight-for-me"}
        assert await _taken_slugs(db, conn, {"nothing"}, None) == set()
        assert await _taken_slugs(db, conn, set(), None) == set()
        if db.dialect.name != "sqlite":
            return  # PostgreSQL plans a five-row table its own way
        sql = "EXPLAIN QUERY PLAN " + taken_slugs_sql(db.dialect)
        async with conn.execute(sql, ('["a"]', 0, None)) as cursor:
            plan = " ".join(str(r[-1]) for r in await cursor.fetchall())
    assert "SEARCH s USING INDEX stories_slug_on_shelf" in plan

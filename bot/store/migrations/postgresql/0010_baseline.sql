-- PostgreSQL's first migration: the schema SQLite had reached at its migration 10, in one step.
-- Later migrations follow SQLite's numbers, one file for each engine.
--
-- Text is COLLATE "C" throughout: slugs, title keys and ISO timestamps are compared and
-- bounded as byte strings (as SQLite does), whatever the database's own locale.
-- Ids are plain BIGINT: the store hands them out itself, one past the largest, as SQLite does.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE stories (
    id               BIGINT  PRIMARY KEY,
    slug             TEXT    COLLATE "C" NOT NULL,
    title            TEXT    COLLATE "C" NOT NULL,
    title_key        TEXT    COLLATE "C" NOT NULL,
    author           TEXT    COLLATE "C" NOT NULL DEFAULT '',
    fandom           TEXT    COLLATE "C" NOT NULL DEFAULT '',
    rating           TEXT    COLLATE "C" NOT NULL,
    rating_raw       TEXT    COLLATE "C" NOT NULL DEFAULT '',
    summary          TEXT    COLLATE "C" NOT NULL DEFAULT '',
    status           TEXT    COLLATE "C" NOT NULL DEFAULT '',
    servable         INTEGER NOT NULL,
    words            INTEGER NOT NULL,
    chapter_count    INTEGER NOT NULL,
    meta             TEXT    COLLATE "C" NOT NULL,
    source_path      TEXT    COLLATE "C" NOT NULL,
    source_format    TEXT    COLLATE "C" NOT NULL,
    content_hash     TEXT    COLLATE "C" NOT NULL,
    imported_at      TEXT    COLLATE "C" NOT NULL,
    updated_at       TEXT    COLLATE "C" NOT NULL,
    source_size      BIGINT,
    source_mtime_ns  BIGINT,
    sidecar_size     BIGINT,
    sidecar_mtime_ns BIGINT,
    guild_id         BIGINT,
    source_url       TEXT    COLLATE "C" NOT NULL DEFAULT '',
    bytes            BIGINT  NOT NULL DEFAULT 0,
    removed_at       TEXT    COLLATE "C"
);
CREATE UNIQUE INDEX stories_slug_on_shelf ON stories(coalesce(guild_id, 0), slug) WHERE removed_at IS NULL;
CREATE UNIQUE INDEX stories_by_source ON stories(coalesce(guild_id, 0), source_path) WHERE removed_at IS NULL;
CREATE INDEX stories_by_title_key ON stories(title_key);
CREATE INDEX stories_by_guild ON stories(guild_id, slug) WHERE guild_id IS NOT NULL;
CREATE INDEX stories_by_content ON stories(content_hash) WHERE removed_at IS NULL;
-- The fandom filter and its autocomplete look for the typed text anywhere in the name.
CREATE INDEX stories_by_fandom_text ON stories USING gin (lower(fandom) gin_trgm_ops);

CREATE TABLE chapters (
    story_id  BIGINT  NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    number    INTEGER NOT NULL,
    title     TEXT    COLLATE "C" NOT NULL,
    body      TEXT    COLLATE "C" NOT NULL,
    words     INTEGER NOT NULL,
    PRIMARY KEY (story_id, number)
);

CREATE TABLE story_tags (
    story_id  BIGINT NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    kind      TEXT   COLLATE "C" NOT NULL,
    tag       TEXT   COLLATE "C" NOT NULL,
    PRIMARY KEY (story_id, kind, tag)
);
CREATE INDEX story_tags_by_tag ON story_tags(kind, tag);

-- The search text is folded (no accents, lower case) before it is written; see bot/store/search.py.
CREATE TABLE story_search (
    story_id  BIGINT PRIMARY KEY,
    title     TEXT   NOT NULL,
    author    TEXT   NOT NULL,
    fandom    TEXT   NOT NULL,
    tags      TEXT   NOT NULL,
    summary   TEXT   NOT NULL,
    document  tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('simple', title), 'A')
        || setweight(to_tsvector('simple', author), 'B')
        || setweight(to_tsvector('simple', fandom), 'C')
        || setweight(to_tsvector('simple', tags), 'C')
        || setweight(to_tsvector('simple', summary), 'D')
    ) STORED
);
CREATE INDEX story_search_document ON story_search USING gin (document);

CREATE TABLE guild_settings (
    guild_id        BIGINT  PRIMARY KEY,
    max_rating      TEXT    COLLATE "C" NOT NULL DEFAULT 'E',
    reader_role_id  BIGINT,
    open_threads    INTEGER NOT NULL DEFAULT 0,
    timezone        TEXT    COLLATE "C" NOT NULL DEFAULT 'UTC'
);

CREATE TABLE live_readings (
    channel_id       BIGINT  PRIMARY KEY,
    guild_id         BIGINT,
    story_id         BIGINT  NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    started_by       BIGINT  NOT NULL,
    position         INTEGER NOT NULL DEFAULT 0,
    total            INTEGER NOT NULL,
    speed            DOUBLE PRECISION NOT NULL DEFAULT 1.0,
    state            TEXT    COLLATE "C" NOT NULL,
    reason           TEXT    COLLATE "C",
    minutes          DOUBLE PRECISION NOT NULL,
    card_message_id  BIGINT,
    started_at       TEXT    COLLATE "C" NOT NULL,
    updated_at       TEXT    COLLATE "C" NOT NULL,
    next_due         TEXT    COLLATE "C"
);
CREATE INDEX live_readings_by_due ON live_readings(next_due) WHERE state = 'running';

CREATE TABLE reader_progress (
    user_id    BIGINT  NOT NULL,
    story_id   BIGINT  NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    page       INTEGER NOT NULL,
    updated_at TEXT    COLLATE "C" NOT NULL,
    PRIMARY KEY (user_id, story_id)
);

CREATE TABLE bot_state (
    key    TEXT COLLATE "C" PRIMARY KEY,
    value  TEXT COLLATE "C" NOT NULL
);

CREATE TABLE schedules (
    id                BIGINT  PRIMARY KEY,
    guild_id          BIGINT  NOT NULL,
    channel_id        BIGINT  NOT NULL,
    story_id          BIGINT  NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    cadence           TEXT    COLLATE "C" NOT NULL,
    timezone          TEXT    COLLATE "C" NOT NULL,
    minutes           DOUBLE PRECISION NOT NULL,
    catch_up          TEXT    COLLATE "C" NOT NULL DEFAULT 'shift',
    role_id           BIGINT,
    next_installment  INTEGER NOT NULL DEFAULT 1,
    total             INTEGER NOT NULL,
    slot              TEXT    COLLATE "C",
    next_due          TEXT    COLLATE "C",
    anchor            TEXT    COLLATE "C" NOT NULL,
    state             TEXT    COLLATE "C" NOT NULL,
    reason_code       TEXT    COLLATE "C",
    reason            TEXT    COLLATE "C",
    admins_told       INTEGER NOT NULL DEFAULT 0,
    created_by        BIGINT  NOT NULL,
    created_at        TEXT    COLLATE "C" NOT NULL,
    updated_at        TEXT    COLLATE "C" NOT NULL,
    thread_mode       TEXT    COLLATE "C" NOT NULL DEFAULT 'none',
    thread_id         BIGINT,
    more_quorum       INTEGER,
    released_early    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX schedules_by_due ON schedules(next_due) WHERE state = 'active';
CREATE INDEX schedules_by_guild ON schedules(guild_id);

CREATE TABLE catchup_progress (
    user_id      BIGINT  NOT NULL,
    schedule_id  BIGINT  NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
    page         INTEGER NOT NULL,
    updated_at   TEXT    COLLATE "C" NOT NULL,
    PRIMARY KEY (user_id, schedule_id)
);

CREATE TABLE posts (
    message_id   BIGINT  PRIMARY KEY,
    guild_id     BIGINT,
    channel_id   BIGINT  NOT NULL,
    story_id     BIGINT  NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    installment  INTEGER NOT NULL,
    posted_at    TEXT    COLLATE "C" NOT NULL
);
CREATE INDEX posts_by_story ON posts(story_id, guild_id, installment);

CREATE TABLE reactions (
    message_id  BIGINT NOT NULL REFERENCES posts(message_id) ON DELETE CASCADE,
    user_id     BIGINT NOT NULL,
    emoji       TEXT   COLLATE "C" NOT NULL,
    reacted_at  TEXT   COLLATE "C" NOT NULL,
    PRIMARY KEY (message_id, user_id, emoji)
);

CREATE TABLE feedback (
    id          BIGINT  PRIMARY KEY,
    story_id    BIGINT  NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    guild_id    BIGINT,
    user_id     BIGINT  NOT NULL,
    user_name   TEXT    COLLATE "C" NOT NULL,
    installment INTEGER,
    text        TEXT    COLLATE "C" NOT NULL,
    created_at  TEXT    COLLATE "C" NOT NULL
);
CREATE INDEX feedback_by_story ON feedback(story_id, guild_id);

CREATE TABLE more_votes (
    schedule_id  BIGINT  NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
    installment  INTEGER NOT NULL,
    user_id      BIGINT  NOT NULL,
    PRIMARY KEY (schedule_id, installment, user_id)
);

CREATE TABLE outbox (
    stream       TEXT    COLLATE "C" NOT NULL,
    seq          INTEGER NOT NULL,
    part         INTEGER NOT NULL,
    channel_id   BIGINT  NOT NULL,
    nonce        TEXT    COLLATE "C" NOT NULL,
    message_id   BIGINT,
    intended_at  TEXT    COLLATE "C" NOT NULL,
    sent_at      TEXT    COLLATE "C",
    PRIMARY KEY (stream, seq, part)
);

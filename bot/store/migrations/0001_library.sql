-- The story library: stories, their chapters and tags, and full-text search.
CREATE TABLE stories (
    id             INTEGER PRIMARY KEY,
    slug           TEXT    NOT NULL UNIQUE,
    title          TEXT    NOT NULL,
    title_key      TEXT    NOT NULL,             -- folded title, for as-you-type prefix lookups
    author         TEXT    NOT NULL DEFAULT '',
    fandom         TEXT    NOT NULL DEFAULT '',
    rating         TEXT    NOT NULL,             -- normalised level after warnings: G PG T M E U
    rating_raw     TEXT    NOT NULL DEFAULT '',
    summary        TEXT    NOT NULL DEFAULT '',
    status         TEXT    NOT NULL DEFAULT '',
    servable       INTEGER NOT NULL,
    words          INTEGER NOT NULL,
    chapter_count  INTEGER NOT NULL,
    meta           TEXT    NOT NULL,             -- JSON of every metadata field
    source_path    TEXT    NOT NULL UNIQUE,
    source_format  TEXT    NOT NULL,
    content_hash   TEXT    NOT NULL,
    imported_at    TEXT    NOT NULL,
    updated_at     TEXT    NOT NULL
);

CREATE INDEX stories_by_title_key ON stories(title_key);

CREATE TABLE chapters (
    story_id  INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    number    INTEGER NOT NULL,
    title     TEXT    NOT NULL,
    body      TEXT    NOT NULL,                  -- blocks separated by blank lines
    words     INTEGER NOT NULL,
    PRIMARY KEY (story_id, number)
) WITHOUT ROWID;

CREATE TABLE story_tags (
    story_id  INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    kind      TEXT    NOT NULL,                  -- warning, tag, character, relationship
    tag       TEXT    NOT NULL,
    PRIMARY KEY (story_id, kind, tag)
) WITHOUT ROWID;
CREATE INDEX story_tags_by_tag ON story_tags(kind, tag);

-- rowid is the story id. prefix='2 3' serves as-you-type title lookups from the index.
CREATE VIRTUAL TABLE story_search USING fts5(
    title, author, fandom, tags, summary,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

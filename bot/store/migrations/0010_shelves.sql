-- rebuilds tables: stories, whose slug and source path stop being unique library-wide.
--
-- Server shelves. A story imported in a server (/import) belongs to that server: guild_id.
-- NULL is the shared library every server sees (files imported from the command line).
-- A slug is unique on its shelf, so a server's own story may share a slug with a shared one
-- (the server's own wins there). A removed story keeps its row, title and metadata, so its
-- reactions and feedback stay for the author's export; its text goes (chapters, search row).
CREATE TABLE stories_new (
    id               INTEGER PRIMARY KEY,
    slug             TEXT    NOT NULL,
    title            TEXT    NOT NULL,
    title_key        TEXT    NOT NULL,
    author           TEXT    NOT NULL DEFAULT '',
    fandom           TEXT    NOT NULL DEFAULT '',
    rating           TEXT    NOT NULL,
    rating_raw       TEXT    NOT NULL DEFAULT '',
    summary          TEXT    NOT NULL DEFAULT '',
    status           TEXT    NOT NULL DEFAULT '',
    servable         INTEGER NOT NULL,
    words            INTEGER NOT NULL,
    chapter_count    INTEGER NOT NULL,
    meta             TEXT    NOT NULL,
    source_path      TEXT    NOT NULL,           -- a path under stories/, or what a shelf story came from
    source_format    TEXT    NOT NULL,
    content_hash     TEXT    NOT NULL,
    imported_at      TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL,
    source_size      INTEGER,
    source_mtime_ns  INTEGER,
    sidecar_size     INTEGER,
    sidecar_mtime_ns INTEGER,
    guild_id         INTEGER,                    -- NULL: the shared library
    source_url       TEXT    NOT NULL DEFAULT '', -- the page a linked story is fetched from again
    bytes            INTEGER NOT NULL DEFAULT 0,  -- the size of what was imported, for shelf quotas
    removed_at       TEXT                         -- NULL: on its shelf
);

INSERT INTO stories_new (
    id, slug, title, title_key, author, fandom, rating, rating_raw, summary, status, servable, words,
    chapter_count, meta, source_path, source_format, content_hash, imported_at, updated_at,
    source_size, source_mtime_ns, sidecar_size, sidecar_mtime_ns, bytes
)
SELECT
    id, slug, title, title_key, author, fandom, rating, rating_raw, summary, status, servable, words,
    chapter_count, meta, source_path, source_format, content_hash, imported_at, updated_at,
    source_size, source_mtime_ns, sidecar_size, sidecar_mtime_ns, coalesce(source_size, 0)
FROM stories;

DROP TABLE stories;
ALTER TABLE stories_new RENAME TO stories;

CREATE UNIQUE INDEX stories_slug_on_shelf ON stories(coalesce(guild_id, 0), slug) WHERE removed_at IS NULL;
CREATE UNIQUE INDEX stories_by_source ON stories(coalesce(guild_id, 0), source_path) WHERE removed_at IS NULL;
CREATE INDEX stories_by_title_key ON stories(title_key);
CREATE INDEX stories_by_guild ON stories(guild_id, slug) WHERE guild_id IS NOT NULL;
CREATE INDEX stories_by_content ON stories(content_hash) WHERE removed_at IS NULL;

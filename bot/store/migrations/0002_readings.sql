-- Per-guild settings, live readings (resumable after a restart), private reading progress,
-- and small bot-wide state such as the hash of the last command sync.
CREATE TABLE guild_settings (
    guild_id        INTEGER PRIMARY KEY,
    max_rating      TEXT    NOT NULL DEFAULT 'E',
    reader_role_id  INTEGER,                       -- who may start live readings; NULL = everyone
    open_threads    INTEGER NOT NULL DEFAULT 0,
    timezone        TEXT    NOT NULL DEFAULT 'UTC'
);

CREATE TABLE live_readings (
    channel_id       INTEGER PRIMARY KEY,          -- one live reading per channel
    guild_id         INTEGER,
    story_id         INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    started_by       INTEGER NOT NULL,
    position         INTEGER NOT NULL DEFAULT 0,   -- messages already posted
    total            INTEGER NOT NULL,
    speed            REAL    NOT NULL DEFAULT 1.0,
    state            TEXT    NOT NULL,             -- running, paused
    reason           TEXT,                         -- why it paused on its own, if it did
    minutes          REAL    NOT NULL,             -- installment length it was cut with
    card_message_id  INTEGER,
    started_at       TEXT    NOT NULL,
    updated_at       TEXT    NOT NULL
);

CREATE TABLE reader_progress (
    user_id    INTEGER NOT NULL,
    story_id   INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    page       INTEGER NOT NULL,
    updated_at TEXT    NOT NULL,
    PRIMARY KEY (user_id, story_id)
) WITHOUT ROWID;

CREATE TABLE bot_state (
    key    TEXT PRIMARY KEY,
    value  TEXT NOT NULL
) WITHOUT ROWID;

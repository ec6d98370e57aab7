-- Every installment message posted (live or scheduled), reactions on them, readers' feedback,
-- and the "More!" quorum of serial readings.
CREATE TABLE posts (
    message_id   INTEGER PRIMARY KEY,
    guild_id     INTEGER,
    channel_id   INTEGER NOT NULL,
    story_id     INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    installment  INTEGER NOT NULL,
    posted_at    TEXT    NOT NULL
);
CREATE INDEX posts_by_story ON posts(story_id, guild_id, installment);

CREATE TABLE reactions (
    message_id  INTEGER NOT NULL REFERENCES posts(message_id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    emoji       TEXT    NOT NULL,
    reacted_at  TEXT    NOT NULL,
    PRIMARY KEY (message_id, user_id, emoji)
) WITHOUT ROWID;

CREATE TABLE feedback (
    id          INTEGER PRIMARY KEY,
    story_id    INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    guild_id    INTEGER,
    user_id     INTEGER NOT NULL,
    user_name   TEXT    NOT NULL,
    installment INTEGER,                      -- the last one the reader's channel had, if any
    text        TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);
CREATE INDEX feedback_by_story ON feedback(story_id, guild_id);

ALTER TABLE schedules ADD COLUMN more_quorum INTEGER;          -- readers pressing More! to release early
ALTER TABLE schedules ADD COLUMN released_early INTEGER NOT NULL DEFAULT 0;  -- last installment released early

CREATE TABLE more_votes (
    schedule_id  INTEGER NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
    installment  INTEGER NOT NULL,            -- the installment the button was under
    user_id      INTEGER NOT NULL,
    PRIMARY KEY (schedule_id, installment, user_id)
) WITHOUT ROWID;

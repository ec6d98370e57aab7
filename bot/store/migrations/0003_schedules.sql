-- Serial readings: schedules with their due times, and one row per message delivered,
-- written before the send (intent) and completed after it (message id), for exactly-once posts.
CREATE TABLE schedules (
    id                INTEGER PRIMARY KEY,
    guild_id          INTEGER NOT NULL,
    channel_id        INTEGER NOT NULL,
    story_id          INTEGER NOT NULL REFERENCES stories(id) ON DELETE CASCADE,
    cadence           TEXT    NOT NULL,          -- Cadence.encode()
    timezone          TEXT    NOT NULL,
    minutes           REAL    NOT NULL,          -- installment length
    catch_up          TEXT    NOT NULL DEFAULT 'shift',   -- shift, late, skip
    role_id           INTEGER,                   -- mentioned on each release
    next_installment  INTEGER NOT NULL DEFAULT 1,
    total             INTEGER NOT NULL,
    slot              TEXT,                      -- the cadence instant the next installment belongs to
    next_due          TEXT,                      -- when it posts (later than slot while catching up)
    anchor            TEXT    NOT NULL,          -- start, for interval cadences
    state             TEXT    NOT NULL,          -- active, paused, finished
    reason_code       TEXT,                      -- why it paused or is retrying
    reason            TEXT,
    admins_told       INTEGER NOT NULL DEFAULT 0,
    created_by        INTEGER NOT NULL,
    created_at        TEXT    NOT NULL,
    updated_at        TEXT    NOT NULL
);
CREATE INDEX schedules_by_due ON schedules(next_due) WHERE state = 'active';
CREATE INDEX schedules_by_guild ON schedules(guild_id);

CREATE TABLE deliveries (
    schedule_id  INTEGER NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
    installment  INTEGER NOT NULL,
    part         INTEGER NOT NULL,
    channel_id   INTEGER NOT NULL,
    nonce        TEXT    NOT NULL,
    message_id   INTEGER,                        -- NULL: intent recorded, send not confirmed
    intended_at  TEXT    NOT NULL,
    sent_at      TEXT,
    PRIMARY KEY (schedule_id, installment, part)
) WITHOUT ROWID;
CREATE INDEX deliveries_by_message ON deliveries(message_id);

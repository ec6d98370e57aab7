-- One exactly-once record for every message a reading sends, live or serial: the outbox.
-- A stream is 'schedule:ID' (seq = installment) or 'live:CHANNEL' (seq = position, part 0).
CREATE TABLE outbox (
    stream       TEXT    NOT NULL,
    seq          INTEGER NOT NULL,
    part         INTEGER NOT NULL,
    channel_id   INTEGER NOT NULL,
    nonce        TEXT    NOT NULL,
    message_id   INTEGER,                        -- NULL: intent recorded, send not confirmed
    intended_at  TEXT    NOT NULL,
    sent_at      TEXT,
    PRIMARY KEY (stream, seq, part)
) WITHOUT ROWID;

INSERT INTO outbox (stream, seq, part, channel_id, nonce, message_id, intended_at, sent_at)
    SELECT 'schedule:' || schedule_id, installment, part, channel_id, nonce, message_id, intended_at, sent_at
    FROM deliveries;
INSERT INTO outbox (stream, seq, part, channel_id, nonce, message_id, intended_at)
    SELECT 'live:' || channel_id, position, 0, channel_id, 'l' || (channel_id % 1000000000000) || 'p' || position,
           NULL, sending_at
    FROM live_readings WHERE sending_at IS NOT NULL;
DROP TABLE deliveries;
ALTER TABLE live_readings DROP COLUMN sending_at;

-- Live readings are due like schedules: one dispatcher wakes for the earliest of either.
ALTER TABLE live_readings ADD COLUMN next_due TEXT;
UPDATE live_readings SET next_due = updated_at WHERE state = 'running';
CREATE INDEX live_readings_by_due ON live_readings(next_due) WHERE state = 'running';

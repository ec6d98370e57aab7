-- Where each reader is in a schedule's already-released installments (/catchup).
CREATE TABLE catchup_progress (
    user_id      INTEGER NOT NULL,
    schedule_id  INTEGER NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
    page         INTEGER NOT NULL,
    updated_at   TEXT    NOT NULL,
    PRIMARY KEY (user_id, schedule_id)
) WITHOUT ROWID;

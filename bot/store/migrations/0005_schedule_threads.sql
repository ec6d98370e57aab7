-- Serial readings may post into threads: one opened at the start, or a new one per installment.
ALTER TABLE schedules ADD COLUMN thread_mode TEXT NOT NULL DEFAULT 'none';   -- none, single, each
ALTER TABLE schedules ADD COLUMN thread_id INTEGER;                          -- the single thread

-- A live reading records when it started sending the message at its position, so a restart
-- can tell "sent but not recorded" from "not sent" (the same intent rule as serial deliveries).
ALTER TABLE live_readings ADD COLUMN sending_at TEXT;

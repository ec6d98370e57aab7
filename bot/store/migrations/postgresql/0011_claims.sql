-- Several processes may share one database (shards, or a pair misconfigured with the same shard).
-- A reading's stream (as in the outbox) is delivered by the process holding its claim; a claim
-- whose holder stops renewing it (a process that died) expires and another process takes it.
CREATE TABLE claims (
    stream      TEXT COLLATE "C" NOT NULL PRIMARY KEY,
    owner       TEXT COLLATE "C" NOT NULL,
    expires_at  TEXT COLLATE "C" NOT NULL
);

-- A job holds its idempotency key while it is pending, running or completed (a second enqueue with
-- the key does nothing); a dead or cancelled job lets it go. The unique index used to say so with
-- `state` in its predicate, which made SQLite delete and re-insert the job's key entry on every
-- change of state: claiming and completing a job each paid two B-tree writes and a uniqueness check
-- for nothing (docs/performance.md, rating jobs). The key a job holds now has its own column, set
-- when it is enqueued or retried and cleared when it goes dead or is cancelled; idempotency_key
-- keeps the key the job was enqueued with, for display.
ALTER TABLE jobs ADD COLUMN held_key TEXT;
UPDATE jobs SET held_key = idempotency_key WHERE idempotency_key IS NOT NULL AND state NOT IN ('dead', 'cancelled');
DROP INDEX jobs_key;
CREATE UNIQUE INDEX jobs_key ON jobs(held_key) WHERE held_key IS NOT NULL;

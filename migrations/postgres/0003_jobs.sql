-- The durable job queue (include/arena/jobs/jobs.hpp), as in migrations/sqlite/0003_jobs.sql.
-- Workers claim with FOR UPDATE SKIP LOCKED and are woken by NOTIFY arena_jobs.
CREATE TABLE jobs (
  id              BIGSERIAL PRIMARY KEY,     -- claim order within a queue: (priority, run_at, id)
  kind            TEXT NOT NULL,
  queue           TEXT NOT NULL,
  args            TEXT NOT NULL,             -- JSON object
  priority        INTEGER NOT NULL DEFAULT 0,  -- lower runs first
  state           TEXT NOT NULL CHECK (state IN ('available', 'running', 'retryable', 'completed', 'dead', 'cancelled')),
  attempt         INTEGER NOT NULL DEFAULT 0,  -- claims so far
  max_attempts    INTEGER NOT NULL,
  run_at          BIGINT NOT NULL,           -- unix ms: not before
  created_at      BIGINT NOT NULL,           -- unix ms
  started_at      BIGINT,                    -- of the latest claim
  finished_at     BIGINT,                    -- completed, dead or cancelled
  lease_until     BIGINT,                    -- while running: rescued after this
  epoch           BIGINT NOT NULL DEFAULT 0,
  worker          TEXT,                      -- who holds (or last held) the lease
  last_error      TEXT,
  idempotency_key TEXT
);
-- A key is taken while its job is pending, running or completed; a dead or cancelled job frees it.
CREATE UNIQUE INDEX jobs_key ON jobs(idempotency_key) WHERE idempotency_key IS NOT NULL AND state NOT IN ('dead', 'cancelled');
CREATE INDEX jobs_ready ON jobs(queue, priority, run_at, id) WHERE state IN ('available', 'retryable');
CREATE INDEX jobs_leases ON jobs(lease_until) WHERE state = 'running';
CREATE INDEX jobs_finished ON jobs(finished_at) WHERE state IN ('completed', 'cancelled');

-- Recurring jobs: the last run of each schedule that was enqueued.
CREATE TABLE job_schedules (
  name        TEXT PRIMARY KEY,
  last_run_at BIGINT NOT NULL                -- unix ms of the cron time last enqueued
);

-- The durable job queue (include/arena/jobs/jobs.hpp). A job is claimed with a lease that
-- carries a fencing epoch: every claim adds one to `epoch`, and a heartbeat, completion or
-- failure counts only with the epoch of the claim it comes from, while the job still runs.
CREATE TABLE jobs (
  id              INTEGER PRIMARY KEY,       -- claim order within a queue: (priority, run_at, id)
  kind            TEXT NOT NULL,
  queue           TEXT NOT NULL,
  args            TEXT NOT NULL,             -- JSON object
  priority        INTEGER NOT NULL DEFAULT 0,  -- lower runs first
  state           TEXT NOT NULL CHECK (state IN ('available', 'running', 'retryable', 'completed', 'dead', 'cancelled')),
  attempt         INTEGER NOT NULL DEFAULT 0,  -- claims so far
  max_attempts    INTEGER NOT NULL,
  run_at          INTEGER NOT NULL,          -- unix ms: not before
  created_at      INTEGER NOT NULL,          -- unix ms
  started_at      INTEGER,                   -- of the latest claim
  finished_at     INTEGER,                   -- completed, dead or cancelled
  lease_until     INTEGER,                   -- while running: rescued after this
  epoch           INTEGER NOT NULL DEFAULT 0,
  worker          TEXT,                      -- who holds (or last held) the lease
  last_error      TEXT,
  idempotency_key TEXT
);
-- A key is taken while its job is pending, running or completed; a dead or cancelled job frees it.
CREATE UNIQUE INDEX jobs_key ON jobs(idempotency_key) WHERE idempotency_key IS NOT NULL AND state NOT IN ('dead', 'cancelled');
CREATE INDEX jobs_ready ON jobs(queue, priority, run_at, id) WHERE state IN ('available', 'retryable');
CREATE INDEX jobs_leases ON jobs(lease_until) WHERE state = 'running';
CREATE INDEX jobs_finished ON jobs(finished_at) WHERE state IN ('completed', 'cancelled');

-- Recurring jobs: the last run of each schedule that was enqueued (so a restart neither repeats
-- nor loses a run; several workers enqueue each run once through the job's idempotency key).
CREATE TABLE job_schedules (
  name        TEXT PRIMARY KEY,
  last_run_at INTEGER NOT NULL               -- unix ms of the cron time last enqueued
) WITHOUT ROWID;

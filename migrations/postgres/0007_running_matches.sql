-- Matches running on a host, for failover: which host holds the match's lease, at which epoch
-- (one more at each adoption) and until when, its spec and its last checkpoint (ticks and state
-- hash); the log goes beside it in chunks. A host that dies stops renewing; another adopts the
-- match and replays the log to the checkpoint. The rows go when the result is stored.
CREATE TABLE running_matches (
  match_id    TEXT PRIMARY KEY,
  game        TEXT NOT NULL,
  host        TEXT NOT NULL,
  epoch       BIGINT NOT NULL,
  lease_until BIGINT NOT NULL,  -- unix ms
  spec        TEXT NOT NULL,     -- JSON, as in the record
  ticks       BIGINT NOT NULL,
  hash        BIGINT NOT NULL,  -- the state hash's 64 bits as a signed integer
  logged      BIGINT NOT NULL   -- log entries the checkpoint covers
);
CREATE INDEX running_matches_lease ON running_matches (lease_until);

CREATE TABLE running_match_log (
  match_id TEXT NOT NULL,
  first_entry BIGINT NOT NULL,  -- the index of the chunk's first entry in the log
  entries  TEXT NOT NULL,     -- JSON array, as the record's inputs
  PRIMARY KEY (match_id, first_entry)
);

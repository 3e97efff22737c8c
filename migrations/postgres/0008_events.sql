-- Game events for analytics (docs/events.md): one row per event id, however often the stream
-- delivered it. Ids are UUIDv7 (text), so they order by time.
CREATE TABLE events (
  id       TEXT PRIMARY KEY,
  type     TEXT NOT NULL,
  time     BIGINT NOT NULL,  -- unix ms; to_timestamp(time / 1000.0) for a timestamptz
  node     TEXT NOT NULL,
  user_id  TEXT,
  match_id TEXT,
  mode     TEXT,
  region   TEXT,
  data     JSONB NOT NULL
);
CREATE INDEX events_time ON events (time);
CREATE INDEX events_type_time ON events (type, time);
CREATE INDEX events_user ON events (user_id, time) WHERE user_id IS NOT NULL;
CREATE INDEX events_match ON events (match_id) WHERE match_id IS NOT NULL;

-- Messages the consumer could not write, with why (malformed_json, invalid_envelope,
-- unknown_type, data_too_large, write_failed), kept for operators.
CREATE TABLE dead_events (
  id     BIGSERIAL PRIMARY KEY,
  time   BIGINT NOT NULL,
  reason TEXT NOT NULL,
  detail TEXT NOT NULL,
  body   BYTEA NOT NULL
);

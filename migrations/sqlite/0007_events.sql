-- Game events for analytics (docs/events.md): one row per event id, however often the stream
-- delivered it. Ids are UUIDv7, so they order by time: the primary key is also the scan order.
CREATE TABLE events (
  id       TEXT PRIMARY KEY,
  type     TEXT NOT NULL,
  time     INTEGER NOT NULL,  -- unix ms
  node     TEXT NOT NULL,
  user_id  TEXT,
  match_id TEXT,
  mode     TEXT,
  region   TEXT,
  data     TEXT NOT NULL      -- JSON object
) WITHOUT ROWID;
CREATE INDEX events_time ON events (time);
CREATE INDEX events_type_time ON events (type, time);
CREATE INDEX events_user ON events (user_id, time) WHERE user_id IS NOT NULL;
CREATE INDEX events_match ON events (match_id) WHERE match_id IS NOT NULL;

-- Messages the consumer could not write, with why (malformed_json, invalid_envelope,
-- unknown_type, data_too_large, write_failed), kept for operators.
CREATE TABLE dead_events (
  id     INTEGER PRIMARY KEY,
  time   INTEGER NOT NULL,  -- unix ms, when it was dead-lettered
  reason TEXT NOT NULL,
  detail TEXT NOT NULL,
  body   BLOB NOT NULL
);

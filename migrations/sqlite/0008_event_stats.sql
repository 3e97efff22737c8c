-- Hourly roll-ups of the events table (docs/events.md), made by the recurring job events.rollup:
-- one row per hour, metric and key (a type, a login method, a mode, "mode/region").
CREATE TABLE event_stats_hourly (
  hour   INTEGER NOT NULL,  -- unix ms of the hour's start
  metric TEXT NOT NULL,
  key    TEXT NOT NULL,
  value  REAL NOT NULL,
  PRIMARY KEY (metric, hour, key)
) WITHOUT ROWID;
CREATE INDEX dead_events_time ON dead_events (time);

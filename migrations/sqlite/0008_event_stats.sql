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
-- The job events.republish looks for results and rating changes of a time window whose events
-- are missing (a process died between the durable write and the publish).
CREATE INDEX match_results_ended ON match_results (ended_at);
CREATE INDEX rating_history_at ON rating_history (at);

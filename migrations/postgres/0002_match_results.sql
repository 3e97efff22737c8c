-- Finished matches: written by the match host before match.ended is published. The match id is
-- the key, so a result can never be stored twice (a retried write is ignored).
CREATE TABLE match_results (
  match_id   TEXT PRIMARY KEY,
  mode       TEXT NOT NULL,
  game       TEXT NOT NULL,
  ended_at   BIGINT NOT NULL,   -- unix seconds
  failed     BOOLEAN NOT NULL,  -- the game mode failed and the match ended with an error
  record     TEXT NOT NULL      -- JSON: seats, seed, placements, summary, ticks, final hash, input log
);

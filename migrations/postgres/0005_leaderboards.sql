-- Leaderboards (include/arena/leaderboards), as migrations/sqlite/0005_leaderboards.sql: one
-- table of entries for every board and season; (k1, k2) is the board's order turned descending.
CREATE TABLE board_entries (
  board      TEXT NOT NULL,
  season     TEXT NOT NULL,
  user_id    TEXT NOT NULL,
  region     TEXT NOT NULL,                  -- of the latest write ('' when it had none)
  score      DOUBLE PRECISION NOT NULL,
  subscore   DOUBLE PRECISION NOT NULL,
  k1         DOUBLE PRECISION NOT NULL,
  k2         DOUBLE PRECISION NOT NULL,
  writes     BIGINT NOT NULL,                -- how many writes made it (a version)
  updated_at BIGINT NOT NULL,                -- unix ms
  PRIMARY KEY (board, season, user_id)
);
CREATE INDEX board_entries_order ON board_entries(board, season, k1 DESC, k2 DESC, user_id);
CREATE INDEX board_entries_region ON board_entries(board, season, region, k1 DESC, k2 DESC, user_id);

-- Every season a board has had entries in; closed_at is set when its schedule moved on.
CREATE TABLE board_seasons (
  board      TEXT NOT NULL,
  season     TEXT NOT NULL,
  starts_at  BIGINT NOT NULL,                -- unix ms (0: a board without seasons)
  ends_at    BIGINT NOT NULL,                -- unix ms (0: never)
  closed_at  BIGINT,                         -- unix ms
  PRIMARY KEY (board, season)
);

-- A finished match changes ratings and boards once: its first application leaves a row here.
CREATE TABLE matches_applied (
  match_id   TEXT PRIMARY KEY,
  applied_at BIGINT NOT NULL                 -- unix ms
);

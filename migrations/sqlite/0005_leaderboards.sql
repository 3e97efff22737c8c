-- Leaderboards (include/arena/leaderboards): one table of entries for every board and season.
-- A rating board's entry is the player's displayed rating, set by each rated match; a score
-- board's entry is what its operator made of the writes. (k1, k2) is the board's order turned
-- descending (an ascending board stores the negated score and subscore), so every board reads one
-- index the same way: k1 DESC, k2 DESC, user_id.
CREATE TABLE board_entries (
  board      TEXT NOT NULL,
  season     TEXT NOT NULL,
  user_id    TEXT NOT NULL,
  region     TEXT NOT NULL,            -- of the latest write ('' when it had none)
  score      REAL NOT NULL,
  subscore   REAL NOT NULL,
  k1         REAL NOT NULL,
  k2         REAL NOT NULL,
  writes     INTEGER NOT NULL,         -- how many writes made it (a version: caches take only newer)
  updated_at INTEGER NOT NULL,         -- unix ms
  PRIMARY KEY (board, season, user_id)
) WITHOUT ROWID;
CREATE INDEX board_entries_order ON board_entries(board, season, k1 DESC, k2 DESC, user_id);
CREATE INDEX board_entries_region ON board_entries(board, season, region, k1 DESC, k2 DESC, user_id);

-- Every season a board has had entries in; closed_at is set when its schedule moved on.
CREATE TABLE board_seasons (
  board      TEXT NOT NULL,
  season     TEXT NOT NULL,
  starts_at  INTEGER NOT NULL,         -- unix ms (0: a board without seasons)
  ends_at    INTEGER NOT NULL,         -- unix ms (0: never)
  closed_at  INTEGER,                  -- unix ms
  PRIMARY KEY (board, season)
) WITHOUT ROWID;

-- The rating boards so far: each rated player in their mode's board, season 'all'. A mode whose
-- board has seasons starts its current season empty; players appear as they play in it.
INSERT INTO board_entries (board, season, user_id, region, score, subscore, k1, k2, writes, updated_at)
  SELECT mode, 'all', user_id, '', display, 0, display, 0, games, last_played FROM ratings;
INSERT INTO board_seasons (board, season, starts_at, ends_at) SELECT DISTINCT mode, 'all', 0, 0 FROM ratings;

-- A finished match changes ratings and boards once: its first application leaves a row here.
CREATE TABLE matches_applied (
  match_id   TEXT PRIMARY KEY,
  applied_at INTEGER NOT NULL            -- unix ms
) WITHOUT ROWID;
INSERT INTO matches_applied (match_id, applied_at)
  SELECT DISTINCT match_id, at FROM rating_history WHERE true ON CONFLICT DO NOTHING;
INSERT INTO matches_applied (match_id, applied_at)
  SELECT json_extract(args, '$.match_id'), finished_at FROM jobs WHERE kind = 'rating.update' AND state = 'completed'
  AND json_extract(args, '$.match_id') IS NOT NULL AND true ON CONFLICT DO NOTHING;

-- Boards are read from board_entries now: the ratings table needs no order of its own.
DROP INDEX ratings_board;

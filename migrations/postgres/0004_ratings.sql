-- Ratings per player and mode, and each rated match's change to them (as
-- migrations/sqlite/0004_ratings.sql; `display` is the conservative rating, docs/protocol.md).
CREATE TABLE ratings (
  user_id     TEXT NOT NULL,
  mode        TEXT NOT NULL,
  model       TEXT NOT NULL CHECK (model IN ('glicko2', 'weng_lin')),
  rating      DOUBLE PRECISION NOT NULL,
  deviation   DOUBLE PRECISION NOT NULL,
  volatility  DOUBLE PRECISION NOT NULL,
  display     DOUBLE PRECISION NOT NULL,
  games       INTEGER NOT NULL DEFAULT 0,
  wins        INTEGER NOT NULL DEFAULT 0,
  losses      INTEGER NOT NULL DEFAULT 0,
  draws       INTEGER NOT NULL DEFAULT 0,
  last_played BIGINT NOT NULL,               -- unix ms of the match that last changed it
  PRIMARY KEY (user_id, mode)
);

-- The key (match_id, user_id) makes a match change a player's rating at most once.
CREATE TABLE rating_history (
  match_id   TEXT NOT NULL,
  user_id    TEXT NOT NULL,
  mode       TEXT NOT NULL,
  before     DOUBLE PRECISION NOT NULL,      -- displayed, before and after
  after      DOUBLE PRECISION NOT NULL,
  place      INTEGER NOT NULL,
  outcome    TEXT NOT NULL CHECK (outcome IN ('win', 'loss', 'draw')),
  at         BIGINT NOT NULL,                -- unix ms
  PRIMARY KEY (match_id, user_id)
);
CREATE INDEX rating_history_user ON rating_history(user_id, at DESC);

-- Who played which stored match (players only): match history per player, newest first.
CREATE TABLE match_players (
  user_id   TEXT NOT NULL,
  ended_at  BIGINT NOT NULL,                 -- unix seconds, as match_results
  match_id  TEXT NOT NULL,
  mode      TEXT NOT NULL,
  place     INTEGER NOT NULL,                -- 0 when the match failed
  PRIMARY KEY (user_id, ended_at, match_id)
);

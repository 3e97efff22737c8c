-- Ratings per player and mode, and each rated match's change to them. `model` says how the
-- three numbers read: glicko2 (rating, deviation, volatility) or weng_lin (mu, sigma, 0).
-- `display` is the conservative rating leaderboards and matchmaking use (docs/protocol.md).
CREATE TABLE ratings (
  user_id     TEXT NOT NULL,
  mode        TEXT NOT NULL,
  model       TEXT NOT NULL CHECK (model IN ('glicko2', 'weng_lin')),
  rating      REAL NOT NULL,
  deviation   REAL NOT NULL,
  volatility  REAL NOT NULL,
  display     REAL NOT NULL,
  games       INTEGER NOT NULL DEFAULT 0,
  wins        INTEGER NOT NULL DEFAULT 0,
  losses      INTEGER NOT NULL DEFAULT 0,
  draws       INTEGER NOT NULL DEFAULT 0,
  last_played INTEGER NOT NULL,              -- unix ms of the match that last changed it
  PRIMARY KEY (user_id, mode)
) WITHOUT ROWID;
CREATE INDEX ratings_board ON ratings(mode, display DESC, user_id);

-- The key (match_id, user_id) makes a match change a player's rating at most once.
CREATE TABLE rating_history (
  match_id   TEXT NOT NULL,
  user_id    TEXT NOT NULL,
  mode       TEXT NOT NULL,
  before     REAL NOT NULL,                  -- displayed, before and after
  after      REAL NOT NULL,
  place      INTEGER NOT NULL,
  outcome    TEXT NOT NULL CHECK (outcome IN ('win', 'loss', 'draw')),
  at         INTEGER NOT NULL,               -- unix ms
  PRIMARY KEY (match_id, user_id)
) WITHOUT ROWID;
CREATE INDEX rating_history_user ON rating_history(user_id, at DESC);

-- Who played which stored match (players only; bots have no rows): match history per player,
-- newest first. Written with the result, in its transaction.
CREATE TABLE match_players (
  user_id   TEXT NOT NULL,
  ended_at  INTEGER NOT NULL,                -- unix seconds, as match_results
  match_id  TEXT NOT NULL,
  mode      TEXT NOT NULL,
  place     INTEGER NOT NULL,                -- 0 when the match failed
  PRIMARY KEY (user_id, ended_at, match_id)
) WITHOUT ROWID;

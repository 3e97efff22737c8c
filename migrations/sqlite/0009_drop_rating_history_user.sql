-- Nothing reads rating_history by (user_id, at): a player's history pages come from match_players and
-- their rating changes by primary key (match_id, user_id). The index only cost every rated match two
-- B-tree writes (docs/performance.md, rating jobs).
DROP INDEX rating_history_user;

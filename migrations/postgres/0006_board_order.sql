-- A board's order breaks ties by user id byte by byte, as SQLite and the rank index compare
-- (include/arena/leaderboards/store.hpp): the database's own collation may order text otherwise.
ALTER TABLE board_entries ALTER COLUMN user_id TYPE TEXT COLLATE "C";

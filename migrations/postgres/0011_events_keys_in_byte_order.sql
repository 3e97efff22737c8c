-- The events table's keys are ASCII (UUIDv7 ids, type names, user and match ids): in byte order
-- ("C") its B-trees compare them with memcmp, whatever the database's locale (a database created
-- with C.UTF-8 wrote ~12 % fewer events/s than one with C; en_US.UTF-8 costs more). Time grows as
-- rows arrive: a BRIN index serves the hour ranges of roll-ups and pruning and costs next to
-- nothing per row, where the B-tree on time cost a descent and a leaf write for each
-- (docs/performance.md, game events).
ALTER TABLE events
  ALTER COLUMN id TYPE TEXT COLLATE "C",
  ALTER COLUMN type TYPE TEXT COLLATE "C",
  ALTER COLUMN user_id TYPE TEXT COLLATE "C",
  ALTER COLUMN match_id TYPE TEXT COLLATE "C";
DROP INDEX events_time;
CREATE INDEX events_time ON events USING brin (time);

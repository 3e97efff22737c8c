// Board entries on PostgreSQL (cluster mode): the same tables and reads as SQLite's
// (migrations/postgres/0005_leaderboards.sql), any number of workers writing at once.
#include "arena/leaderboards/store.hpp"
#include "arena/storage/postgres.hpp"
#include "board_sql.hpp"

namespace arena::leaderboards {

namespace {

const sql::Queries& queries(const View& v) {
  static const sql::Queries whole(false, sql::Dialect::postgres), regional(true, sql::Dialect::postgres);
  return v.region.empty() ? whole : regional;
}

Entry entry_at(const storage::PgResult& r, int i) {
  return {0,
          r.text(i, 0),
          r.text(i, 1),
          r.real(i, 2),
          r.real(i, 3),
          r.int64(i, 4),
          r.int64(i, 5),
          {r.real(i, 6), r.real(i, 7)}};
}

std::vector<Entry> entries_of(const storage::PgResult& r) {
  std::vector<Entry> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) out.push_back(entry_at(r, i));
  return out;
}

}  // namespace

Written PostgresBoardStore::write(const Board& board, const Season& season, const std::string& user,
                                  const std::string& region, const Score& score, std::int64_t now) {
  return pool_.transaction([&](storage::Pg& c) {
    std::int64_t writes = 0;
    SortKey key;
    if (board.op == Operator::set) {  // one statement: the write is the entry (every rating board)
      key = sort_key(board.order, score);
      writes = c.query(
                    "INSERT INTO board_entries (board, season, user_id, region, score, subscore, k1, k2, writes, "
                    "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9) ON CONFLICT (board, season, user_id) "
                    "DO UPDATE SET region = excluded.region, score = excluded.score, subscore = excluded.subscore, "
                    "k1 = excluded.k1, k2 = excluded.k2, writes = board_entries.writes + 1, updated_at = "
                    "excluded.updated_at RETURNING writes",
                    board.id, season.id, user, region, score.score, score.subscore, key.k1, key.k2, now)
                   .int64(0, 0);
    } else {
      // Read the entry locked, combine, write it back. An entry nobody had yet cannot be locked:
      // insert it, and when another writer inserted it first (the insert waits for its commit),
      // read it again, locked this time.
      for (;;) {
        const auto old = c.query(
            "SELECT score, subscore, writes FROM board_entries WHERE board = $1 AND season = $2 AND user_id = $3 "
            "FOR UPDATE",
            board.id, season.id, user);
        std::optional<Score> before;
        writes = 0;
        if (old.rows() > 0) {
          before = Score{old.real(0, 0), old.real(0, 1)};
          writes = old.int64(0, 2);
        }
        const Score combined = combine(board, before, score);
        key = sort_key(board.order, combined);
        ++writes;
        if (before) {
          c.query(
              "UPDATE board_entries SET region = $4, score = $5, subscore = $6, k1 = $7, k2 = $8, writes = $9, "
              "updated_at = $10 WHERE board = $1 AND season = $2 AND user_id = $3",
              board.id, season.id, user, region, combined.score, combined.subscore, key.k1, key.k2, writes, now);
          break;
        }
        if (c.query("INSERT INTO board_entries (board, season, user_id, region, score, subscore, k1, k2, writes, "
                    "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9) ON CONFLICT DO NOTHING",
                    board.id, season.id, user, region, combined.score, combined.subscore, key.k1, key.k2, now)
                .affected() == 1)
          break;
      }
    }
    if (writes == 1)  // the entry's first write: the season has an entry now
      c.query(
          "INSERT INTO board_seasons (board, season, starts_at, ends_at) VALUES ($1, $2, $3, $4) ON CONFLICT DO "
          "NOTHING",
          board.id, season.id, season.starts_at, season.ends_at);
    return Written{board.id, season.id, user, region, key, writes};
  });
}

std::vector<Entry> PostgresBoardStore::rows_after(const View& view, const Entry* from, int limit) {
  return pool_.with([&](storage::Pg& c) {
    return entries_of(from == nullptr ? c.query(queries(view).first_page, view.board, view.season, view.region, limit)
                                      : c.query(queries(view).after, view.board, view.season, view.region, from->key.k1,
                                                from->key.k2, from->user_id, limit));
  });
}

std::vector<Entry> PostgresBoardStore::rows_before(const View& view, const Entry& from, int limit) {
  return pool_.with([&](storage::Pg& c) {
    return entries_of(c.query(queries(view).before, view.board, view.season, view.region, from.key.k1, from.key.k2,
                              from.user_id, limit));
  });
}

std::optional<Entry> PostgresBoardStore::entry(const View& view, const std::string& user) {
  const auto r = pool_.with(
      [&](storage::Pg& c) { return c.query(queries(view).entry, view.board, view.season, view.region, user); });
  if (r.rows() == 0) return std::nullopt;
  return entry_at(r, 0);
}

std::int64_t PostgresBoardStore::counted_rank(const View& view, const Entry& e) {
  return pool_.with([&](storage::Pg& c) {
    return c.query(queries(view).rank, view.board, view.season, view.region, e.key.k1, e.key.k2, e.user_id).int64(0, 0);
  });
}

std::int64_t PostgresBoardStore::season_size(const std::string& board, const std::string& season) {
  return pool_.with([&](storage::Pg& c) {
    return c.query("SELECT count(*) FROM board_entries WHERE board = $1 AND season = $2", board, season).int64(0, 0);
  });
}

std::vector<Written> PostgresBoardStore::season_entries(const std::string& board, const std::string& season) {
  const auto r = pool_.with([&](storage::Pg& c) {
    return c.query("SELECT user_id, k1, k2, writes FROM board_entries WHERE board = $1 AND season = $2", board, season);
  });
  std::vector<Written> all;
  all.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i)
    all.push_back({board, season, r.text(i, 0), "", {r.real(i, 1), r.real(i, 2)}, r.int64(i, 3)});
  return all;
}

std::vector<SeasonInfo> PostgresBoardStore::seasons(const std::string& board) {
  const auto r = pool_.with([&](storage::Pg& c) {
    return c.query(
        "SELECT s.season, s.starts_at, s.ends_at, s.closed_at, (SELECT count(*) FROM board_entries e WHERE e.board = "
        "s.board AND e.season = s.season) FROM board_seasons s WHERE s.board = $1 ORDER BY s.starts_at DESC, "
        "s.season DESC",
        board);
  });
  std::vector<SeasonInfo> out;
  out.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i)
    out.push_back({r.text(i, 0), r.int64(i, 1), r.int64(i, 2), r.optional_int64(i, 3), r.int64(i, 4)});
  return out;
}

bool PostgresBoardStore::has_season(const std::string& board, const std::string& season) {
  return pool_.with([&](storage::Pg& c) {
    return c.query("SELECT 1 FROM board_seasons WHERE board = $1 AND season = $2", board, season).rows() > 0;
  });
}

std::vector<std::string> PostgresBoardStore::mark_closed(const std::string& board, std::int64_t now) {
  const auto r = pool_.with([&](storage::Pg& c) {
    return c.query(
        "UPDATE board_seasons SET closed_at = $2 WHERE board = $1 AND closed_at IS NULL AND ends_at > 0 AND ends_at "
        "<= $2 RETURNING season",
        board, now);
  });
  std::vector<std::string> closed;
  closed.reserve(static_cast<std::size_t>(r.rows()));
  for (int i = 0; i < r.rows(); ++i) closed.push_back(r.text(i, 0));
  return closed;
}

}  // namespace arena::leaderboards

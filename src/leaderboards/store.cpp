#include "arena/leaderboards/store.hpp"

#include "arena/storage/sqlite.hpp"

namespace arena::leaderboards {

namespace {

constexpr const char* kCols = "user_id, region, score, subscore, writes, updated_at, k1, k2";

// The rows of a view: ?1 board, ?2 season, ?3 region ('' = the whole board, without the region
// index's cost: the constant test is evaluated once).
std::string where(bool regional) {
  return regional ? "board = ?1 AND season = ?2 AND region = ?3" : "board = ?1 AND season = ?2 AND ?3 = ''";
}

// The index a view reads in board order. Named: for "k1 = ? AND k2 = ? AND user_id > ?" the
// planner would otherwise take the primary key's (board, season, user_id) range and walk it.
std::string ordered(bool regional) {
  return regional ? "board_entries INDEXED BY board_entries_region" : "board_entries INDEXED BY board_entries_order";
}

// Rows after (?4 k1, ?5 k2, ?6 user) in board order, or before it nearest first: each part is one
// range of an index, so a page costs the same at any depth (a flat OR would walk from the top).
std::string beside(bool regional, bool after) {
  const std::string w = where(regional);
  const char* lt = after ? "<" : ">";
  const char* desc = after ? "DESC" : "ASC";
  const char* user_cmp = after ? ">" : "<";
  const char* user_dir = after ? "" : " DESC";
  auto part = [&](int n, const std::string& cond, const std::string& order) {
    return "SELECT " + std::to_string(n) + " AS part, * FROM (SELECT " + kCols + " FROM " + ordered(regional) +
           " WHERE " + w + " AND " + cond + " ORDER BY " + order + " LIMIT ?7)";
  };
  return std::string("SELECT ") + kCols + " FROM (" +
         part(0, std::string("k1 = ?4 AND k2 = ?5 AND user_id ") + user_cmp + " ?6",
              std::string("user_id") + user_dir) +
         " UNION ALL " +
         part(1, std::string("k1 = ?4 AND k2 ") + lt + " ?5", std::string("k2 ") + desc + ", user_id" + user_dir) +
         " UNION ALL " +
         part(2, std::string("k1 ") + lt + " ?4", std::string("k1 ") + desc + ", k2 " + desc + ", user_id" + user_dir) +
         ") ORDER BY part, k1 " + desc + ", k2 " + desc + ", user_id" + user_dir + " LIMIT ?7";
}

// The reads of a view, written once (whole board or one region).
struct Queries {
  std::string first_page, after, before, entry, rank;
  explicit Queries(bool regional)
      : first_page("SELECT " + std::string(kCols) + " FROM " + ordered(regional) + " WHERE " + where(regional) +
                   " ORDER BY k1 DESC, k2 DESC, user_id LIMIT ?4"),
        after(beside(regional, true)),
        before(beside(regional, false)),
        entry("SELECT " + std::string(kCols) + " FROM board_entries WHERE " + where(regional) + " AND user_id = ?4") {
    // 1 + the rows before (k1, k2, user): three range counts of the view's index.
    const std::string from = " FROM " + ordered(regional) + " WHERE " + where(regional);
    rank = "SELECT 1 + (SELECT count(*)" + from + " AND k1 > ?4) + (SELECT count(*)" + from +
           " AND k1 = ?4 AND k2 > ?5) + (SELECT count(*)" + from + " AND k1 = ?4 AND k2 = ?5 AND user_id < ?6)";
  }
};

const Queries& queries(const View& v) {
  static const Queries whole(false), regional(true);
  return v.region.empty() ? whole : regional;
}

Entry read_entry(storage::Statement& st, std::int64_t rank) {
  return {rank, st.text(0), st.text(1), st.real(2), st.real(3), st.int64(4), st.int64(5), {st.real(6), st.real(7)}};
}

}  // namespace

Written SqliteBoardStore::write_in(storage::Sqlite& c, const Board& board, const Season& season,
                                   const std::string& user, const std::string& region, const Score& score,
                                   std::int64_t now) {
  std::int64_t writes = 0;
  SortKey key;
  if (board.op == Operator::set) {  // one statement: the write is the entry (every rating board)
    key = sort_key(board.order, score);
    auto& up = c.prepare(
                    "INSERT INTO board_entries (board, season, user_id, region, score, subscore, k1, k2, writes, "
                    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?) ON CONFLICT (board, season, user_id) DO UPDATE "
                    "SET region = excluded.region, score = excluded.score, subscore = excluded.subscore, k1 = "
                    "excluded.k1, k2 = excluded.k2, writes = board_entries.writes + 1, updated_at = "
                    "excluded.updated_at RETURNING writes")
                   .bind(board.id, season.id, user, region, score.score, score.subscore, key.k1, key.k2, now);
    up.step();
    writes = up.int64(0);
    up.reset_if_busy();
  } else {
    auto& old =
        c.prepare("SELECT score, subscore, writes FROM board_entries WHERE board = ? AND season = ? AND user_id = ?")
            .bind(board.id, season.id, user);
    std::optional<Score> before;
    if (old.step()) {
      before = Score{old.real(0), old.real(1)};
      writes = old.int64(2);
    }
    old.reset_if_busy();
    const Score combined = combine(board, before, score);
    key = sort_key(board.order, combined);
    ++writes;
    c.prepare(
         "INSERT INTO board_entries (board, season, user_id, region, score, subscore, k1, k2, writes, updated_at) "
         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (board, season, user_id) DO UPDATE SET "
         "region = excluded.region, score = excluded.score, subscore = excluded.subscore, k1 = excluded.k1, "
         "k2 = excluded.k2, writes = excluded.writes, updated_at = excluded.updated_at")
        .bind(board.id, season.id, user, region, combined.score, combined.subscore, key.k1, key.k2, writes, now)
        .exec();
  }
  if (writes == 1)  // the entry's first write: the season has an entry now
    c.prepare(
         "INSERT INTO board_seasons (board, season, starts_at, ends_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")
        .bind(board.id, season.id, season.starts_at, season.ends_at)
        .exec();
  return {board.id, season.id, user, region, key, writes};
}

std::vector<Entry> SqliteBoardStore::page(const View& view, const Cursor& from, int limit) {
  std::vector<Entry> out;
  db_.with([&](storage::Sqlite& c) {
    auto& st = from.rank == 0
                   ? c.prepare(queries(view).first_page).bind(view.board, view.season, view.region, limit)
                   : c.prepare(queries(view).after)
                         .bind(view.board, view.season, view.region, from.key.k1, from.key.k2, from.user_id, limit);
    std::int64_t rank = from.rank;
    while (st.step()) out.push_back(read_entry(st, ++rank));
  });
  return out;
}

std::optional<Entry> SqliteBoardStore::entry(const View& view, const std::string& user) {
  return db_.with([&](storage::Sqlite& c) -> std::optional<Entry> {
    auto& st = c.prepare(queries(view).entry).bind(view.board, view.season, view.region, user);
    if (!st.step()) return std::nullopt;
    return read_entry(st, 0);
  });
}

std::int64_t SqliteBoardStore::counted_rank(const View& view, const Entry& e) {
  return db_.with([&](storage::Sqlite& c) {
    auto& st = c.prepare(queries(view).rank).bind(view.board, view.season, view.region, e.key.k1, e.key.k2, e.user_id);
    st.step();
    const std::int64_t rank = st.int64(0);
    st.reset_if_busy();
    return rank;
  });
}

std::optional<std::int64_t> SqliteBoardStore::indexed_rank(const View& view, const std::string& user) {
  if (index_ == nullptr || !view.region.empty()) return std::nullopt;
  return index_->rank(
      view.board, view.season, user,
      [&] {
        return reader_.with([&](storage::Sqlite& c) {
          auto& st = c.prepare("SELECT count(*) FROM board_entries WHERE board = ? AND season = ?")
                         .bind(view.board, view.season);
          st.step();
          return st.int64(0);
        });
      },
      [&] {
        std::vector<Written> all;
        reader_.with([&](storage::Sqlite& c) {
          auto& st = c.prepare("SELECT user_id, k1, k2, writes FROM board_entries WHERE board = ? AND season = ?")
                         .bind(view.board, view.season);
          while (st.step())
            all.push_back({view.board, view.season, st.text(0), "", {st.real(1), st.real(2)}, st.int64(3)});
        });
        return all;
      });
}

std::int64_t SqliteBoardStore::rank_of(const View& view, const std::string& user) {
  if (const auto r = indexed_rank(view, user)) return *r;
  const auto e = entry(view, user);
  return e ? counted_rank(view, *e) : 0;
}

std::vector<Entry> SqliteBoardStore::around(const View& view, const std::string& user, int limit) {
  std::vector<Entry> out;
  const auto me = entry(view, user);
  if (!me) return out;
  // Outside the database: the index may load.
  const auto indexed = indexed_rank(view, user);
  const std::int64_t my_rank = indexed && *indexed > 0 ? *indexed : counted_rank(view, *me);
  db_.with([&](storage::Sqlite& c) {
    auto& above =
        c.prepare(queries(view).before).bind(view.board, view.season, view.region, me->key.k1, me->key.k2, user, limit);
    std::vector<Entry> up;
    std::int64_t rank = my_rank;
    while (above.step()) up.push_back(read_entry(above, --rank));
    out.assign(up.rbegin(), up.rend());
    Entry mine = *me;
    mine.rank = my_rank;
    out.push_back(std::move(mine));
    auto& below =
        c.prepare(queries(view).after).bind(view.board, view.season, view.region, me->key.k1, me->key.k2, user, limit);
    rank = my_rank;
    while (below.step()) out.push_back(read_entry(below, ++rank));
  });
  return out;
}

std::vector<SeasonInfo> SqliteBoardStore::seasons(const std::string& board) {
  std::vector<SeasonInfo> out;
  db_.with([&](storage::Sqlite& c) {
    auto& st = c.prepare(
                    "SELECT s.season, s.starts_at, s.ends_at, s.closed_at, (SELECT count(*) FROM board_entries e "
                    "WHERE e.board = s.board AND e.season = s.season) FROM board_seasons s WHERE s.board = ? "
                    "ORDER BY s.starts_at DESC, s.season DESC")
                   .bind(board);
    while (st.step()) out.push_back({st.text(0), st.int64(1), st.int64(2), st.optional_int64(3), st.int64(4)});
  });
  return out;
}

bool SqliteBoardStore::has_season(const std::string& board, const std::string& season) {
  return db_.with([&](storage::Sqlite& c) {
    auto& st = c.prepare("SELECT 1 FROM board_seasons WHERE board = ? AND season = ?").bind(board, season);
    const bool found = st.step();
    st.reset_if_busy();
    return found;
  });
}

std::vector<std::string> SqliteBoardStore::close_seasons(const std::string& board, std::int64_t now) {
  std::vector<std::string> closed;
  db_.with([&](storage::Sqlite& c) {
    auto& st = c.prepare(
                    "UPDATE board_seasons SET closed_at = ?2 WHERE board = ?1 AND closed_at IS NULL AND ends_at > 0 "
                    "AND ends_at <= ?2 RETURNING season")
                   .bind(board, now);
    while (st.step()) closed.push_back(st.text(0));
  });
  if (index_ != nullptr)
    for (const auto& s : closed) index_->drop(board, s);  // a closed season is rarely asked for its ranks
  return closed;
}

}  // namespace arena::leaderboards

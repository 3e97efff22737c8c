#include "arena/leaderboards/store.hpp"

#include <algorithm>
#include <unordered_map>

#include "arena/storage/sqlite.hpp"
#include "board_sql.hpp"

namespace arena::leaderboards {

namespace {

const sql::Queries& queries(const View& v) {
  static const sql::Queries whole(false, sql::Dialect::sqlite), regional(true, sql::Dialect::sqlite);
  return v.region.empty() ? whole : regional;
}

Entry read_entry(storage::Statement& st) {
  return {0, st.text(0), st.text(1), st.real(2), st.real(3), st.int64(4), st.int64(5), {st.real(6), st.real(7)}};
}

}  // namespace

std::vector<Entry> BoardStore::page(const View& view, const Cursor& from, int limit) {
  Entry after;
  after.key = from.key;
  after.user_id = from.user_id;
  auto rows = rows_after(view, from.rank == 0 ? nullptr : &after, limit);
  std::int64_t rank = from.rank;
  for (auto& r : rows) r.rank = ++rank;
  return rows;
}

std::optional<std::int64_t> BoardStore::indexed_rank(const View& view, const std::string& user) {
  if (index_ == nullptr || !view.region.empty()) return std::nullopt;
  return index_->rank(
      view.board, view.season, user, [&] { return season_size(view.board, view.season); },
      [&] { return season_entries(view.board, view.season); });
}

std::int64_t BoardStore::rank_of(const View& view, const std::string& user) {
  if (const auto r = indexed_rank(view, user)) return *r;
  const auto e = entry(view, user);
  return e ? counted_rank(view, *e) : 0;
}

std::vector<Entry> BoardStore::around(const View& view, const std::string& user, int limit) {
  std::vector<Entry> out;
  const auto me = entry(view, user);
  if (!me) return out;
  const auto indexed = indexed_rank(view, user);
  const std::int64_t my_rank = indexed && *indexed > 0 ? *indexed : counted_rank(view, *me);
  auto up = rows_before(view, *me, limit);
  std::int64_t rank = my_rank;
  for (auto& r : up) r.rank = --rank;
  out.assign(std::make_move_iterator(up.rbegin()), std::make_move_iterator(up.rend()));
  out.push_back(*me);
  out.back().rank = my_rank;
  rank = my_rank;
  for (auto& r : rows_after(view, &*me, limit)) {
    r.rank = ++rank;
    out.push_back(std::move(r));
  }
  return out;
}

std::vector<std::string> BoardStore::close_seasons(const std::string& board, std::int64_t now) {
  auto closed = mark_closed(board, now);
  if (index_ != nullptr)
    for (const auto& s : closed) index_->drop(board, s);  // a closed season is rarely asked for its ranks
  return closed;
}

std::vector<Written> BoardStore::write_all(const std::vector<Write>& writes, std::int64_t now) {
  std::vector<Written> out;
  out.reserve(writes.size());
  for (const auto& w : writes) out.push_back(write(*w.board, w.season, w.user, w.region, w.score, now));
  return out;
}

namespace {

// The board's season has an entry now (its first write).
void note_season(storage::Sqlite& c, const Board& board, const Season& season) {
  c.prepare("INSERT INTO board_seasons (board, season, starts_at, ends_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")
      .bind(board.id, season.id, season.starts_at, season.ends_at)
      .exec();
}

// Writes of `set` boards (every rating board): the write is the entry, so any number of them is
// one statement per chunk. `out[i]` gets the entry as writes[i] left it.
void set_entries(storage::Sqlite& c, const std::vector<BoardStore::Write>& writes,
                 const std::vector<std::size_t>& which, std::int64_t now, std::vector<Written>& out) {
  // The versions each entry went through, lowest first (an entry written twice in one statement
  // returns two rows, in no promised order).
  std::unordered_map<std::string, std::vector<std::int64_t>> versions;
  const auto entry = [](std::string_view board, std::string_view season, std::string_view user) {
    std::string key;
    key.reserve(board.size() + season.size() + user.size() + 2);
    return key.append(board).append(1, '\0').append(season).append(1, '\0').append(user);
  };
  storage::for_rows(
      c,
      {"INSERT INTO board_entries (board, season, user_id, region, score, subscore, k1, k2, writes, updated_at) "
       "VALUES ",
       "(?, ?, ?, ?, ?, ?, ?, ?, 1, ?)",
       " ON CONFLICT (board, season, user_id) DO UPDATE SET region = excluded.region, score = excluded.score, "
       "subscore = excluded.subscore, k1 = excluded.k1, k2 = excluded.k2, writes = board_entries.writes + 1, "
       "updated_at = excluded.updated_at RETURNING board, season, user_id, writes"},
      which.size(), [](storage::Statement&) {},
      [&](storage::Statement& st, std::size_t i, int p) {
        const auto& w = writes[which[i]];
        const auto key = sort_key(w.board->order, w.score);
        st.bind_at(p, w.board->id)
            .bind_at(p + 1, w.season.id)
            .bind_at(p + 2, w.user)
            .bind_at(p + 3, w.region)
            .bind_at(p + 4, w.score.score)
            .bind_at(p + 5, w.score.subscore)
            .bind_at(p + 6, key.k1)
            .bind_at(p + 7, key.k2)
            .bind_at(p + 8, now);
      },
      [&](storage::Statement& st) { versions[entry(st.text(0), st.text(1), st.text(2))].push_back(st.int64(3)); });
  for (auto& [key, v] : versions) std::sort(v.begin(), v.end(), std::greater<>());  // popped lowest first
  for (const auto i : which) {
    const auto& w = writes[i];
    auto& v = versions.at(entry(w.board->id, w.season.id, w.user));
    out[i] = Written{w.board->id, w.season.id, w.user, w.region, sort_key(w.board->order, w.score), v.back()};
    v.pop_back();
    if (out[i].writes == 1) note_season(c, *w.board, w.season);
  }
}

}  // namespace

std::vector<Written> SqliteBoardStore::write_all(const std::vector<Write>& writes, std::int64_t now) {
  return db_.with([&](storage::Sqlite& c) {
    storage::Transaction tx(c);  // joins the caller's (a job's effects)
    std::vector<Written> out(writes.size());
    std::vector<std::size_t> set_rows;
    for (std::size_t i = 0; i < writes.size(); ++i) {
      const auto& w = writes[i];
      if (w.board->op == Operator::set)
        set_rows.push_back(i);
      else  // read, combine, write: one at a time, in order
        out[i] = write(*w.board, w.season, w.user, w.region, w.score, now);
    }
    set_entries(c, writes, set_rows, now, out);
    tx.commit();
    return out;
  });
}

Written SqliteBoardStore::write(const Board& board, const Season& season, const std::string& user,
                                const std::string& region, const Score& score, std::int64_t now) {
  if (board.op == Operator::set) return write_all({{&board, season, user, region, score}}, now).front();
  return db_.with([&](storage::Sqlite& c) {
    storage::Transaction tx(c);  // joins the caller's (a job's effects)
    auto& old =
        c.prepare("SELECT score, subscore, writes FROM board_entries WHERE board = ? AND season = ? AND user_id = ?")
            .bind(board.id, season.id, user);
    std::optional<Score> before;
    std::int64_t writes = 0;
    if (old.step()) {
      before = Score{old.real(0), old.real(1)};
      writes = old.int64(2);
    }
    old.reset_if_busy();
    const Score combined = combine(board, before, score);
    const SortKey key = sort_key(board.order, combined);
    ++writes;
    c.prepare(
         "INSERT INTO board_entries (board, season, user_id, region, score, subscore, k1, k2, writes, updated_at) "
         "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (board, season, user_id) DO UPDATE SET "
         "region = excluded.region, score = excluded.score, subscore = excluded.subscore, k1 = excluded.k1, "
         "k2 = excluded.k2, writes = excluded.writes, updated_at = excluded.updated_at")
        .bind(board.id, season.id, user, region, combined.score, combined.subscore, key.k1, key.k2, writes, now)
        .exec();
    if (writes == 1) note_season(c, board, season);
    tx.commit();
    return Written{board.id, season.id, user, region, key, writes};
  });
}

std::vector<Entry> SqliteBoardStore::rows_after(const View& view, const Entry* from, int limit) {
  std::vector<Entry> out;
  db_.with([&](storage::Sqlite& c) {
    auto& st = from == nullptr
                   ? c.prepare(queries(view).first_page).bind(view.board, view.season, view.region, limit)
                   : c.prepare(queries(view).after)
                         .bind(view.board, view.season, view.region, from->key.k1, from->key.k2, from->user_id, limit);
    while (st.step()) out.push_back(read_entry(st));
  });
  return out;
}

std::vector<Entry> SqliteBoardStore::rows_before(const View& view, const Entry& from, int limit) {
  std::vector<Entry> out;
  db_.with([&](storage::Sqlite& c) {
    auto& st = c.prepare(queries(view).before)
                   .bind(view.board, view.season, view.region, from.key.k1, from.key.k2, from.user_id, limit);
    while (st.step()) out.push_back(read_entry(st));
  });
  return out;
}

std::optional<Entry> SqliteBoardStore::entry(const View& view, const std::string& user) {
  return db_.with([&](storage::Sqlite& c) -> std::optional<Entry> {
    auto& st = c.prepare(queries(view).entry).bind(view.board, view.season, view.region, user);
    if (!st.step()) return std::nullopt;
    auto e = read_entry(st);
    st.reset_if_busy();
    return e;
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

std::int64_t SqliteBoardStore::season_size(const std::string& board, const std::string& season) {
  return reader_.with([&](storage::Sqlite& c) {
    auto& st = c.prepare("SELECT count(*) FROM board_entries WHERE board = ? AND season = ?").bind(board, season);
    st.step();
    const auto n = st.int64(0);
    st.reset_if_busy();
    return n;
  });
}

std::vector<Written> SqliteBoardStore::season_entries(const std::string& board, const std::string& season) {
  std::vector<Written> all;
  reader_.with([&](storage::Sqlite& c) {
    auto& st = c.prepare("SELECT user_id, k1, k2, writes FROM board_entries WHERE board = ? AND season = ?")
                   .bind(board, season);
    while (st.step()) all.push_back({board, season, st.text(0), "", {st.real(1), st.real(2)}, st.int64(3)});
  });
  return all;
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

std::vector<std::string> SqliteBoardStore::mark_closed(const std::string& board, std::int64_t now) {
  std::vector<std::string> closed;
  db_.with([&](storage::Sqlite& c) {
    auto& st = c.prepare(
                    "UPDATE board_seasons SET closed_at = ?2 WHERE board = ?1 AND closed_at IS NULL AND ends_at > 0 "
                    "AND ends_at <= ?2 RETURNING season")
                   .bind(board, now);
    while (st.step()) closed.push_back(st.text(0));
  });
  return closed;
}

}  // namespace arena::leaderboards

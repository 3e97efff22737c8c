#include "board_sql.hpp"

#include <algorithm>

namespace arena::leaderboards::sql {

namespace {

// The rows of a view (region '' = the whole board, without the region index's cost: the
// constant test is evaluated once).
std::string where(bool regional) {
  return regional ? "board = ?1 AND season = ?2 AND region = ?3" : "board = ?1 AND season = ?2 AND ?3 = ''";
}

// The index a view reads in board order. Named for SQLite: for "k1 = ? AND k2 = ? AND user_id > ?"
// its planner would otherwise take the primary key's (board, season, user_id) range and walk it.
std::string ordered(bool regional, Dialect d) {
  if (d == Dialect::postgres) return "board_entries";
  return regional ? "board_entries INDEXED BY board_entries_region" : "board_entries INDEXED BY board_entries_order";
}

// Rows after (4 k1, 5 k2, 6 user) in board order, or before it nearest first: each part is one
// range of an index, so a page costs the same at any depth (a flat OR would walk from the top).
std::string beside(bool regional, bool after, Dialect d) {
  const std::string w = where(regional);
  const char* lt = after ? "<" : ">";
  const char* desc = after ? "DESC" : "ASC";
  const char* user_cmp = after ? ">" : "<";
  const char* user_dir = after ? "" : " DESC";
  auto part = [&](int n, const std::string& cond, const std::string& order) {
    return "SELECT " + std::to_string(n) + " AS part, * FROM (SELECT " + kCols + " FROM " + ordered(regional, d) +
           " WHERE " + w + " AND " + cond + " ORDER BY " + order + " LIMIT ?7) AS p" + std::to_string(n);
  };
  return std::string("SELECT ") + kCols + " FROM (" +
         part(0, std::string("k1 = ?4 AND k2 = ?5 AND user_id ") + user_cmp + " ?6",
              std::string("user_id") + user_dir) +
         " UNION ALL " +
         part(1, std::string("k1 = ?4 AND k2 ") + lt + " ?5", std::string("k2 ") + desc + ", user_id" + user_dir) +
         " UNION ALL " +
         part(2, std::string("k1 ") + lt + " ?4", std::string("k1 ") + desc + ", k2 " + desc + ", user_id" + user_dir) +
         ") AS parts ORDER BY part, k1 " + desc + ", k2 " + desc + ", user_id" + user_dir + " LIMIT ?7";
}

// SQLite's numbered ?N are PostgreSQL's $N.
std::string in(Dialect d, std::string sql) {
  if (d == Dialect::postgres) std::replace(sql.begin(), sql.end(), '?', '$');
  return sql;
}

}  // namespace

Queries::Queries(bool regional, Dialect d)
    : first_page(in(d, "SELECT " + std::string(kCols) + " FROM " + ordered(regional, d) + " WHERE " + where(regional) +
                           " ORDER BY k1 DESC, k2 DESC, user_id LIMIT ?4")),
      after(in(d, beside(regional, true, d))),
      before(in(d, beside(regional, false, d))),
      entry(in(d,
               "SELECT " + std::string(kCols) + " FROM board_entries WHERE " + where(regional) + " AND user_id = ?4")) {
  // Three range counts of the view's index.
  const std::string from = " FROM " + ordered(regional, d) + " WHERE " + where(regional);
  rank =
      in(d, "SELECT 1 + (SELECT count(*)" + from + " AND k1 > ?4) + (SELECT count(*)" + from +
                " AND k1 = ?4 AND k2 > ?5) + (SELECT count(*)" + from + " AND k1 = ?4 AND k2 = ?5 AND user_id < ?6)");
}

}  // namespace arena::leaderboards::sql

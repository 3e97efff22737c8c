#pragma once
// The reads of a board view, written once for both back ends (internal to the module). Their
// parameters: 1 board, 2 season, 3 region ('' = the whole board), then per query the entry
// compared with (4 k1, 5 k2, 6 user) and the limit.
#include <string>

namespace arena::leaderboards::sql {

enum class Dialect { sqlite, postgres };

inline constexpr const char* kCols = "user_id, region, score, subscore, writes, updated_at, k1, k2";

struct Queries {
  std::string first_page;  // limit: 4
  std::string after;       // rows after (4, 5, 6) in board order; limit: 7
  std::string before;      // rows before it, nearest first; limit: 7
  std::string entry;       // user: 4
  std::string rank;        // 1 + the rows before (4, 5, 6)
  Queries(bool regional, Dialect dialect);
};

}  // namespace arena::leaderboards::sql

#pragma once
// Leaderboards: what a board is, and its seasons.
//
// Two kinds of board, one table of entries (include/arena/leaderboards/store.hpp):
// - A rating board per matchmaking mode, named like the mode: each rated match sets the
//   player's entry to their displayed rating (include/arena/ratings/ratings.hpp).
// - Score boards, from [leaderboards.boards.<id>] tables: written by every match of a mode from a
//   per-seat result stat the game declares (`score_stats`), or by server calls only. An
//   operator says how a write combines with the entry (best, set, increment, decrement), an
//   order which end is the top (desc: highest first), and an optional second stat (the subscore)
//   breaks ties; equal score and subscore are ordered by user id, so ranks are dense and exact.
//
// Seasons: a board with a `season` cron schedule starts a new season at each time it matches
// (UTC); writes go to the season the write happens in, and every season stays queryable by its
// name: "2026-11" for a monthly schedule, "2026-11-30" for a daily or weekly one,
// "2026-11-30T14:00" for a shorter one, "2026" for a yearly one. A board without a schedule has
// one season for ever, "all".
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "arena/jobs/cron.hpp"

namespace arena::leaderboards {

enum class Operator { best, set, increment, decrement };
enum class Order { desc, asc };
std::string_view name(Operator op);
std::string_view name(Order o);

struct Board {
  std::string id;
  bool rating = false;  // a mode's rating board (id = the mode)
  std::string mode;     // rating board: its mode; score board: the mode whose matches write it (empty: server calls)
  std::string stat;     // score board written by matches: the seat's result stat that is the score
  std::string subscore_stat;  // and the one that breaks ties (empty: none)
  Operator op = Operator::best;
  Order order = Order::desc;
  std::optional<jobs::Cron> season;  // nullopt: one season, "all"
  std::vector<std::string> regions;  // the regions entries may carry (the modes' regions)
  bool writable_by_server = true;    // score boards: server calls may write them (rating boards: never)
};

// The name of the one season of a board without a schedule.
inline constexpr std::string_view kAllTime = "all";

struct Season {
  std::string id;
  std::int64_t starts_at = 0;  // unix ms (0: the beginning of time)
  std::int64_t ends_at = 0;    // unix ms of the next season's start (0: never)
};

// The season of `board` that `at_ms` (unix ms) falls in.
Season season_at(const Board& board, std::int64_t at_ms);
// The latest time `cron` matches at or before `at_ms` (nullopt: none in the last five years).
std::optional<std::int64_t> previous_match(const jobs::Cron& cron, std::int64_t at_ms);
// A season's name from its start and end (see above).
std::string season_name(std::int64_t starts_at, std::int64_t ends_at);
// Whether `text` could be a season name of `board` (its shape, not whether it was ever played).
bool plausible_season(const Board& board, std::string_view text);

// Where a write's new entry ends up, given the entry before it (nullopt: none yet).
struct Score {
  double score = 0, subscore = 0;
};
Score combine(const Board& board, const std::optional<Score>& before, const Score& write);
// The entry's place in the board's one order: (k1, k2) descending, then user id ascending.
struct SortKey {
  double k1 = 0, k2 = 0;
};
SortKey sort_key(Order order, const Score& s);

struct ModeInfo {
  std::string name;
  std::vector<std::string> regions;
};

// The boards a worker serves: a rating board per mode, then the [leaderboards.boards.<id>] tables
// (raw: id -> key -> value as written). A table named like a mode sets that rating board's
// `season`; any other table is a score board with keys mode, stat, subscore, operator, order,
// season, server_writes. Throws std::invalid_argument naming `leaderboards.boards.<id>.<key>`.
std::vector<Board> configured_boards(const std::map<std::string, std::map<std::string, std::string>>& raw,
                                     const std::vector<ModeInfo>& modes);

}  // namespace arena::leaderboards

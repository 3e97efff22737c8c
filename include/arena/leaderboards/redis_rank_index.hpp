#pragma once
// The rank index in Redis, shared by every worker process of a cluster (PostgreSQL holds the
// entries; any worker writes them): a sorted set per board season whose members sort as the board
// does (every score 0, members compared as bytes: k1 descending, k2 descending, user id
// ascending, encoded), so a rank is one ZRANK; and a hash user -> "<writes> <member>" so a write
// replaces the user's old member, and a report older than what is held changes nothing. A season
// is loaded from the store on first use by one process (the others count meanwhile) and marked
// ready; a Redis that restarted empty has lost the marks, so seasons load again. Writes reported
// while Redis did not answer make their seasons load again too.
#include <cstdint>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <utility>

#include "arena/leaderboards/store.hpp"

namespace arena::storage {
class RedisPool;
class RedisError;
}  // namespace arena::storage

namespace arena::leaderboards {

class RedisRankIndex final : public RankIndex {
 public:
  // A season over `max_season_entries` is not loaded (the store counts). `on_error` (may be empty)
  // hears each Redis failure (the caller counted instead, or the season will load again).
  RedisRankIndex(storage::RedisPool& redis, std::size_t max_season_entries,
                 std::function<void(const storage::RedisError&)> on_error = {});

  std::optional<std::int64_t> rank(const std::string& board, const std::string& season, const std::string& user,
                                   const Counter& count, const Loader& load) override;
  void committed(const std::vector<Written>& writes) override;
  void drop(const std::string& board, const std::string& season) override;

  // The member of an entry: sorts as the board does (exposed for tests).
  static std::string member(const SortKey& key, const std::string& user);

 private:
  // Drops the ready marks of seasons whose writes did not reach Redis (they load again).
  void forget_stale();

  storage::RedisPool& redis_;
  const std::size_t max_season_entries_;
  std::function<void(const storage::RedisError&)> on_error_;
  std::mutex mu_;
  std::set<std::pair<std::string, std::string>> stale_;  // guarded by mu_
};

}  // namespace arena::leaderboards

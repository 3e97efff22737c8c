// The rank index in Redis: the board store conformance suite on SQLite with ranks from Redis;
// members sort as the board does; two processes share one index; a Redis that restarted empty,
// or missed writes, loads the season again.
#include <random>

#include "arena/leaderboards/redis_rank_index.hpp"
#include "arena/storage/redis.hpp"
#include "arena/testing/redis_server.hpp"
#include "sqlite_backend.hpp"

namespace arena::leaderboards::testing {
namespace {

// A Redis index with its own throwaway server and pool.
struct OwnedRedisIndex {
  arena::testing::RedisServer server;
  storage::RedisPool pool{{.url = server.url(), .size = 2, .timeout = std::chrono::milliseconds(300)}};
  RedisRankIndex index{pool, 1'000'000};
};

std::unique_ptr<RankIndex> redis_index() {
  struct Holder final : RankIndex {
    std::unique_ptr<OwnedRedisIndex> owned = std::make_unique<OwnedRedisIndex>();
    std::optional<std::int64_t> rank(const std::string& b, const std::string& s, const std::string& u, const Counter& c,
                                     const Loader& l) override {
      return owned->index.rank(b, s, u, c, l);
    }
    void committed(const std::vector<Written>& w) override { owned->index.committed(w); }
    void drop(const std::string& b, const std::string& s) override { owned->index.drop(b, s); }
  };
  return std::make_unique<Holder>();
}

INSTANTIATE_TEST_SUITE_P(SqliteWithRedisIndex, BoardStoreConformance,
                         ::testing::Values(BoardStoreFactory{
                             "sqlite_redis", [] { return std::make_unique<SqliteBackend>(); }, redis_index}),
                         factory_name);

TEST(RedisRankIndex, MembersSortAsTheBoard) {
  std::mt19937 rng(5);
  std::vector<std::pair<SortKey, std::string>> entries;
  const double values[] = {-1e300, -2.5, -1, -0.0, 0, 1e-300, 1, 2.5, 7, 1e300};
  for (int i = 0; i < 200; ++i)
    entries.push_back({{values[rng() % 10], values[rng() % 10]}, "u" + std::to_string(rng() % 50)});
  auto board_before = [](const auto& a, const auto& b) {  // the board's order
    if (a.first.k1 != b.first.k1) return a.first.k1 > b.first.k1;
    if (a.first.k2 != b.first.k2) return a.first.k2 > b.first.k2;
    return a.second < b.second;
  };
  for (const auto& a : entries)
    for (const auto& b : entries)
      EXPECT_EQ(board_before(a, b),
                RedisRankIndex::member(a.first, a.second) < RedisRankIndex::member(b.first, b.second))
          << a.first.k1 << "," << a.first.k2 << "," << a.second << " vs " << b.first.k1 << "," << b.first.k2 << ","
          << b.second;
}

TEST(RedisRankIndex, ProcessesShareItAndItLoadsAgainWhenRedisLostWrites) {
  arena::testing::RedisServer server;
  storage::RedisPool pool_a({.url = server.url(), .size = 1, .timeout = std::chrono::milliseconds(300)});
  storage::RedisPool pool_b({.url = server.url(), .size = 1, .timeout = std::chrono::milliseconds(300)});
  int errors = 0;
  RedisRankIndex a(pool_a, 100, [&](const storage::RedisError&) { ++errors; });
  RedisRankIndex b(pool_b, 100);
  // What the store holds: p0 (10), p1 (20), p2 (30).
  std::vector<Written> stored{
      {"b", "s", "p0", "", {10, 0}, 1}, {"b", "s", "p1", "", {20, 0}, 1}, {"b", "s", "p2", "", {30, 0}, 1}};
  int loads = 0;
  const RankIndex::Loader load = [&] {
    ++loads;
    return stored;
  };
  const RankIndex::Counter count = [&] { return static_cast<std::int64_t>(stored.size()); };
  EXPECT_EQ(a.rank("b", "s", "p0", count, load), 3);  // a loads it
  EXPECT_EQ(b.rank("b", "s", "p2", count, load), 1);  // b reads what a loaded
  EXPECT_EQ(b.rank("b", "s", "nobody", count, load), 0);
  EXPECT_EQ(loads, 1);
  stored[0] = {"b", "s", "p0", "", {40, 0}, 2};
  b.committed({stored[0]});  // reported by b: a sees it
  EXPECT_EQ(a.rank("b", "s", "p0", count, load), 1);
  a.committed({{"b", "s", "p0", "", {5, 0}, 1}});  // older than what is held: nothing
  EXPECT_EQ(b.rank("b", "s", "p0", count, load), 1);
  // Too big: counted by the caller.
  EXPECT_FALSE(a.rank(
                    "big", "s", "p0", [] { return std::int64_t{101}; }, load)
                   .has_value());

  // Redis down: a write's report is lost, and ranks are counted meanwhile.
  server.stop();
  stored[1] = {"b", "s", "p1", "", {50, 0}, 2};
  a.committed({stored[1]});
  EXPECT_FALSE(a.rank("b", "s", "p1", count, load).has_value());
  EXPECT_EQ(errors, 2);
  server.start();  // empty: the season loads again (with the write Redis missed)
  EXPECT_EQ(a.rank("b", "s", "p1", count, load), 1);
  EXPECT_EQ(b.rank("b", "s", "p2", count, load), 3);
  EXPECT_EQ(loads, 2);
  // A Redis that kept its data but missed a write (its writes paused past the timeout): the
  // season the failed report named loads again.
  pool_b.command({"CLIENT", "PAUSE", "10000", "WRITE"});
  stored[2] = {"b", "s", "p2", "", {60, 0}, 2};
  a.committed({stored[2]});
  pool_b.command({"CLIENT", "UNPAUSE"});
  EXPECT_EQ(errors, 3);
  EXPECT_EQ(a.rank("b", "s", "p2", count, load), 1);
  EXPECT_EQ(loads, 3);
}

}  // namespace
}  // namespace arena::leaderboards::testing

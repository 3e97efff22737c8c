// What every board store does (instantiated for SQLite in sqlite_store_test.cpp and for
// PostgreSQL in postgres_store_pgtest.cpp): operators, dense pages whose cursors carry the rank
// (also while entries change), around-me, regions, seasons, the rank index agreeing with the
// store's count, and concurrent writes of one entry losing none.
#include "store_conformance.hpp"

#include <random>
#include <thread>

namespace arena::leaderboards::testing {
namespace {

Board board(Operator op = Operator::best, Order order = Order::desc) {
  Board b;
  b.id = "b";
  b.op = op;
  b.order = order;
  return b;
}

std::vector<std::string> users_of(const std::vector<Entry>& rows) {
  std::vector<std::string> out;
  for (const auto& r : rows) out.push_back(r.user_id);
  return out;
}

TEST_P(BoardStoreConformance, OperatorsOrderAndTies) {
  const auto best = board();
  write(best, "a", 10, 1);
  write(best, "a", 5);  // worse: kept 10
  write(best, "b", 10, 2);
  write(best, "c", 10, 2);  // equal score and subscore: by user id
  write(best, "d", 12);
  const View v{"b", "all", ""};
  const auto rows = store->page(v, {}, 10);
  EXPECT_EQ(users_of(rows), (std::vector<std::string>{"d", "b", "c", "a"}));
  EXPECT_EQ(rows[3].score, 10);
  EXPECT_EQ(rows[3].writes, 2);
  for (std::size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i].rank, static_cast<std::int64_t>(i + 1));

  auto asc = board(Operator::increment, Order::asc);
  asc.id = "laps";
  write(asc, "x", 30);
  write(asc, "x", 5);  // 35
  write(asc, "y", 31);
  EXPECT_EQ(users_of(store->page({"laps", "all", ""}, {}, 10)), (std::vector<std::string>{"y", "x"}));
  EXPECT_EQ(store->entry({"laps", "all", ""}, "x")->score, 35);
}

// write_all() leaves every entry, and reports every write, as write() one after another does:
// an entry written twice in one call goes through both versions, operators combine in order.
TEST_P(BoardStoreConformance, WritesTogetherEndAsWritesOneAfterAnother) {
  const auto rating = board(Operator::set);
  auto wins = board(Operator::increment);
  wins.id = "wins";
  std::vector<BoardStore::Write> writes;
  const auto add = [&](const Board& b, const std::string& user, double score, const std::string& region = "eu") {
    writes.push_back({&b, season_at(b, 1000), user, region, {score, 0}});
  };
  add(rating, "a", 10);
  add(wins, "a", 1);
  add(rating, "b", 12, "us");
  add(rating, "a", 14);  // the same entry again: its second version
  add(wins, "a", 1);
  add(rating, "c", 9);
  const auto apart_store = backend->store(nullptr);  // the same writes, one at a time, on other users
  std::vector<Written> apart;
  for (const auto& w : writes)
    apart.push_back(apart_store->write(*w.board, w.season, w.user + "-apart", w.region, w.score, 1000));
  const auto together = store->write_all(writes, 1000);
  ASSERT_EQ(together.size(), writes.size());
  for (std::size_t i = 0; i < writes.size(); ++i) {
    EXPECT_EQ(together[i].board, writes[i].board->id) << i;
    EXPECT_EQ(together[i].user_id, writes[i].user) << i;
    EXPECT_EQ(together[i].region, writes[i].region) << i;
    EXPECT_EQ(together[i].writes, apart[i].writes) << i;
    EXPECT_EQ(together[i].key.k1, apart[i].key.k1) << i;
    EXPECT_EQ(together[i].key.k2, apart[i].key.k2) << i;
  }
  EXPECT_EQ(together[0].writes, 1);
  EXPECT_EQ(together[3].writes, 2);
  EXPECT_EQ(together[4].writes, 2);
  for (const auto* user : {"a", "b", "c"}) {
    const auto e = store->entry({"b", "all", ""}, user),
               a = store->entry({"b", "all", ""}, std::string(user) + "-apart");
    ASSERT_TRUE(e && a) << user;
    EXPECT_EQ(e->score, a->score) << user;
    EXPECT_EQ(e->writes, a->writes) << user;
    EXPECT_EQ(e->region, a->region) << user;
  }
  EXPECT_EQ(store->entry({"b", "all", ""}, "a")->score, 14);
  EXPECT_EQ(store->entry({"wins", "all", ""}, "a")->score, 2);
  EXPECT_TRUE(store->has_season("b", "all"));
  EXPECT_TRUE(store->has_season("wins", "all"));
  EXPECT_TRUE(store->write_all({}, 1000).empty());
}

TEST_P(BoardStoreConformance, PagesAreDenseAcrossBordersWhileEntriesChange) {
  const auto b = board(Operator::set);
  for (int i = 0; i < 50; ++i) write(b, "u" + std::to_string(100 + i), i % 7);  // many ties
  const View v{"b", "all", ""};
  std::vector<Entry> seen;
  Cursor c;
  for (int page = 0; page < 20; ++page) {
    const auto rows = store->page(v, c, 8);
    if (rows.empty()) break;
    seen.insert(seen.end(), rows.begin(), rows.end());
    c = {rows.back().rank, rows.back().key, rows.back().user_id};
    // Between pages, a player already seen climbs and one not yet seen drops: no rank repeats.
    write(b, seen.front().user_id, 100);
    write(b, "u" + std::to_string(149 - page), -1);
  }
  ASSERT_FALSE(seen.empty());
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i].rank, static_cast<std::int64_t>(i + 1));
}

TEST_P(BoardStoreConformance, AroundMeRegionsAndTheIndexAgreeWithCounting) {
  const auto b = board(Operator::set);
  std::mt19937 rng(3);
  for (int i = 0; i < 300; ++i)
    write(b, "p" + std::to_string(i), static_cast<double>(rng() % 40), static_cast<double>(rng() % 3),
          i % 3 == 0 ? "us" : "eu");
  const View all{"b", "all", ""};
  const auto counting_store = backend->store(nullptr);  // no index: counts the rows above
  auto& counting = *counting_store;
  for (int i = 0; i < 300; i += 17) {
    const std::string u = "p" + std::to_string(i);
    EXPECT_EQ(store->rank_of(all, u), counting.rank_of(all, u)) << u;
  }
  // The index holds the season now: it answers without loading or counting.
  const auto held = index->rank(
      "b", "all", "p0", [] { return std::int64_t{-1}; }, [] { return std::vector<Written>{}; });
  EXPECT_EQ(held, counting.rank_of(all, "p0"));
  // The index follows writes after it loaded.
  write(b, "p5", 1000);
  EXPECT_EQ(store->rank_of(all, "p5"), 1);
  EXPECT_EQ(counting.rank_of(all, "p5"), 1);
  // A stale report (an older version) changes nothing.
  index->committed({{"b", "all", "p5", "", {-5, 0}, 1}});
  EXPECT_EQ(store->rank_of(all, "p5"), 1);

  const auto around = store->around(all, "p9", 3);
  ASSERT_EQ(around.size(), 7u);
  EXPECT_EQ(around[3].user_id, "p9");
  for (std::size_t i = 1; i < around.size(); ++i) EXPECT_EQ(around[i].rank, around[i - 1].rank + 1);

  const View us{"b", "all", "us"};
  const auto us_rows = store->page(us, {}, 500);
  EXPECT_EQ(us_rows.size(), 100u);
  for (const auto& r : us_rows) EXPECT_EQ(r.region, "us");
  EXPECT_EQ(store->rank_of(us, us_rows[41].user_id), 42);
  EXPECT_EQ(store->rank_of(us, "p1"), 0);  // an eu player is not on the us board
  EXPECT_TRUE(store->around(all, "nobody", 3).empty());
}

TEST_P(BoardStoreConformance, ABoardTooBigForTheIndexIsCountedInstead) {
  MemoryRankIndex small(10);
  const auto small_store = backend->store(&small);
  const auto b = board(Operator::set);
  for (int i = 0; i < 20; ++i) write(b, "u" + std::to_string(100 + i), i);
  const View v{"b", "all", ""};
  EXPECT_EQ(small_store->rank_of(v, "u119"), 1);  // counted
  EXPECT_EQ(small_store->rank_of(v, "u100"), 20);
  EXPECT_EQ(small.entries(), 0u);
}

TEST_P(BoardStoreConformance, SeasonsKeepTheirEntriesAndClose) {
  auto b = board(Operator::increment);
  b.season = jobs::Cron::parse("0 0 1 * *");
  const std::int64_t nov = 1'794'746'040'000;  // 2026-11-15
  const std::int64_t dec = nov + 20LL * 24 * 3600 * 1000;
  write(b, "a", 5, 0, "eu", nov);
  write(b, "a", 5, 0, "eu", nov);
  write(b, "a", 1, 0, "eu", dec);
  EXPECT_EQ(store->entry({"b", "2026-11", ""}, "a")->score, 10);
  EXPECT_EQ(store->entry({"b", "2026-12", ""}, "a")->score, 1);
  EXPECT_TRUE(store->has_season("b", "2026-11"));
  EXPECT_FALSE(store->has_season("b", "2026-10"));
  EXPECT_EQ(store->close_seasons("b", dec), std::vector<std::string>{"2026-11"});
  EXPECT_TRUE(store->close_seasons("b", dec).empty());  // once
  const auto seasons = store->seasons("b");
  ASSERT_EQ(seasons.size(), 2u);
  EXPECT_EQ(seasons[0].id, "2026-12");
  EXPECT_FALSE(seasons[0].closed_at.has_value());
  EXPECT_EQ(seasons[1].id, "2026-11");
  EXPECT_TRUE(seasons[1].closed_at.has_value());
  EXPECT_EQ(seasons[1].entries, 1);
  EXPECT_EQ(store->rank_of({"b", "2026-11", ""}, "a"), 1);  // closed seasons stay queryable
}

TEST_P(BoardStoreConformance, ConcurrentWritesOfOneEntryLoseNone) {
  auto counter = board(Operator::increment);
  counter.id = "kills";
  auto rated = board(Operator::set);
  constexpr int kEach = 40;
  std::vector<std::thread> writers;
  for (int t = 0; t < 3; ++t)
    writers.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        store->write(counter, season_at(counter, 1000), "a", "eu", {1, 0}, 1000);
        // A first write of an entry nobody had, by all three at once.
        store->write(counter, season_at(counter, 1000), "new" + std::to_string(i), "eu", {1, 0}, 1000);
        store->write(rated, season_at(rated, 1000), "r", "eu", {static_cast<double>(t), 0}, 1000);
      }
    });
  for (auto& w : writers) w.join();
  const auto a = store->entry({"kills", "all", ""}, "a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->score, 3 * kEach);
  EXPECT_EQ(a->writes, 3 * kEach);
  for (int i = 0; i < kEach; ++i) EXPECT_EQ(store->entry({"kills", "all", ""}, "new" + std::to_string(i))->score, 3);
  EXPECT_EQ(store->entry({"b", "all", ""}, "r")->writes, 3 * kEach);
  EXPECT_EQ(store->seasons("kills").at(0).entries, kEach + 1);
}

TEST_P(BoardStoreConformance, UserIdsBreakTiesByteByByte) {
  // The rank index compares ids as bytes; the database must order them the same way whatever its
  // collation ('B' < 'a' < 'b' in bytes; a language collation puts 'a' first).
  const auto b = board(Operator::set);
  for (const char* u : {"b", "B", "a", "_x", "A1"}) write(b, u, 7);
  const View v{"b", "all", ""};
  EXPECT_EQ(users_of(store->page(v, {}, 10)), (std::vector<std::string>{"A1", "B", "_x", "a", "b"}));
  const auto counting = backend->store(nullptr);
  for (const char* u : {"b", "B", "a", "_x", "A1"}) EXPECT_EQ(counting->rank_of(v, u), store->rank_of(v, u)) << u;
}

}  // namespace
}  // namespace arena::leaderboards::testing

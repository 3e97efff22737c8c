// The board store on SQLite: operators through write_in, dense pages whose cursors carry the
// rank (also while entries change), around-me, regions, seasons, and the rank index agreeing with
// the store's count.
#include "arena/leaderboards/store.hpp"

#include <gtest/gtest.h>

#include <random>

#include "arena/storage/migrations.hpp"
#include "arena/storage/sqlite.hpp"
#include "arena/testing/temp_dir.hpp"

namespace arena::leaderboards {
namespace {

struct Harness {
  testing::TempDir dir;
  std::unique_ptr<storage::Sqlite> db = storage::Sqlite::open(dir.path() / "boards.db");
  RankIndex index{1'000'000};
  SqliteBoardStore store{*db, &index};
  Harness() { storage::migrate_up(*db, storage::sqlite_migrations(), 0); }

  Written write(const Board& b, const std::string& user, double score, double sub = 0, const std::string& region = "eu",
                std::int64_t now = 1000) {
    const auto w = db->with([&](storage::Sqlite& c) {
      storage::Transaction tx(c);
      auto out = SqliteBoardStore::write_in(c, b, season_at(b, now), user, region, {score, sub}, now);
      tx.commit();
      return out;
    });
    index.committed({w});
    return w;
  }
};

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

TEST(BoardStore, OperatorsOrderAndTies) {
  Harness h;
  const auto best = board();
  h.write(best, "a", 10, 1);
  h.write(best, "a", 5);  // worse: kept 10
  h.write(best, "b", 10, 2);
  h.write(best, "c", 10, 2);  // equal score and subscore: by user id
  h.write(best, "d", 12);
  const View v{"b", "all", ""};
  const auto rows = h.store.page(v, {}, 10);
  EXPECT_EQ(users_of(rows), (std::vector<std::string>{"d", "b", "c", "a"}));
  EXPECT_EQ(rows[3].score, 10);
  EXPECT_EQ(rows[3].writes, 2);
  for (std::size_t i = 0; i < rows.size(); ++i) EXPECT_EQ(rows[i].rank, static_cast<std::int64_t>(i + 1));

  auto asc = board(Operator::increment, Order::asc);
  asc.id = "laps";
  h.write(asc, "x", 30);
  h.write(asc, "x", 5);  // 35
  h.write(asc, "y", 31);
  EXPECT_EQ(users_of(h.store.page({"laps", "all", ""}, {}, 10)), (std::vector<std::string>{"y", "x"}));
  EXPECT_EQ(h.store.entry({"laps", "all", ""}, "x")->score, 35);
}

TEST(BoardStore, PagesAreDenseAcrossBordersWhileEntriesChange) {
  Harness h;
  const auto b = board(Operator::set);
  for (int i = 0; i < 50; ++i) h.write(b, "u" + std::to_string(100 + i), i % 7);  // many ties
  const View v{"b", "all", ""};
  std::vector<Entry> seen;
  Cursor c;
  for (int page = 0; page < 20; ++page) {
    const auto rows = h.store.page(v, c, 8);
    if (rows.empty()) break;
    seen.insert(seen.end(), rows.begin(), rows.end());
    c = {rows.back().rank, rows.back().key, rows.back().user_id};
    // Between pages, a player already seen climbs and one not yet seen drops: no rank repeats.
    h.write(b, seen.front().user_id, 100);
    h.write(b, "u" + std::to_string(149 - page), -1);
  }
  ASSERT_FALSE(seen.empty());
  for (std::size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i].rank, static_cast<std::int64_t>(i + 1));
}

TEST(BoardStore, AroundMeRegionsAndTheIndexAgreeWithCounting) {
  Harness h;
  const auto b = board(Operator::set);
  std::mt19937 rng(3);
  for (int i = 0; i < 300; ++i)
    h.write(b, "p" + std::to_string(i), static_cast<double>(rng() % 40), static_cast<double>(rng() % 3),
            i % 3 == 0 ? "us" : "eu");
  const View all{"b", "all", ""};
  SqliteBoardStore counting(*h.db);  // no index: counts the rows above
  for (int i = 0; i < 300; i += 17) {
    const std::string u = "p" + std::to_string(i);
    EXPECT_EQ(h.store.rank_of(all, u), counting.rank_of(all, u)) << u;
  }
  EXPECT_GT(h.index.entries(), 0u);
  // The index follows writes after it loaded.
  h.write(b, "p5", 1000);
  EXPECT_EQ(h.store.rank_of(all, "p5"), 1);
  EXPECT_EQ(counting.rank_of(all, "p5"), 1);
  // A stale report (an older version) changes nothing.
  h.index.committed({{"b", "all", "p5", "", {-5, 0}, 1}});
  EXPECT_EQ(h.store.rank_of(all, "p5"), 1);

  const auto around = h.store.around(all, "p9", 3);
  ASSERT_EQ(around.size(), 7u);
  EXPECT_EQ(around[3].user_id, "p9");
  for (std::size_t i = 1; i < around.size(); ++i) EXPECT_EQ(around[i].rank, around[i - 1].rank + 1);

  const View us{"b", "all", "us"};
  const auto us_rows = h.store.page(us, {}, 500);
  EXPECT_EQ(us_rows.size(), 100u);
  for (const auto& r : us_rows) EXPECT_EQ(r.region, "us");
  EXPECT_EQ(h.store.rank_of(us, us_rows[41].user_id), 42);
  EXPECT_EQ(h.store.rank_of(us, "p1"), 0);  // an eu player is not on the us board
  EXPECT_TRUE(h.store.around(all, "nobody", 3).empty());
}

TEST(BoardStore, ABoardTooBigForTheIndexIsCountedInstead) {
  Harness h;
  RankIndex small(10);
  SqliteBoardStore store(*h.db, &small);
  const auto b = board(Operator::set);
  for (int i = 0; i < 20; ++i) h.write(b, "u" + std::to_string(100 + i), i);
  const View v{"b", "all", ""};
  EXPECT_EQ(store.rank_of(v, "u119"), 1);  // counted
  EXPECT_EQ(store.rank_of(v, "u100"), 20);
  EXPECT_EQ(small.entries(), 0u);
}

TEST(BoardStore, SeasonsKeepTheirEntriesAndClose) {
  Harness h;
  auto b = board(Operator::increment);
  b.season = jobs::Cron::parse("0 0 1 * *");
  const std::int64_t nov = 1'794'746'040'000;  // 2026-11-15
  const std::int64_t dec = nov + 20LL * 24 * 3600 * 1000;
  h.write(b, "a", 5, 0, "eu", nov);
  h.write(b, "a", 5, 0, "eu", nov);
  h.write(b, "a", 1, 0, "eu", dec);
  EXPECT_EQ(h.store.entry({"b", "2026-11", ""}, "a")->score, 10);
  EXPECT_EQ(h.store.entry({"b", "2026-12", ""}, "a")->score, 1);
  EXPECT_TRUE(h.store.has_season("b", "2026-11"));
  EXPECT_FALSE(h.store.has_season("b", "2026-10"));
  EXPECT_EQ(h.store.close_seasons("b", dec), std::vector<std::string>{"2026-11"});
  EXPECT_TRUE(h.store.close_seasons("b", dec).empty());  // once
  const auto seasons = h.store.seasons("b");
  ASSERT_EQ(seasons.size(), 2u);
  EXPECT_EQ(seasons[0].id, "2026-12");
  EXPECT_FALSE(seasons[0].closed_at.has_value());
  EXPECT_EQ(seasons[1].id, "2026-11");
  EXPECT_TRUE(seasons[1].closed_at.has_value());
  EXPECT_EQ(seasons[1].entries, 1);
  EXPECT_EQ(h.store.rank_of({"b", "2026-11", ""}, "a"), 1);  // closed seasons stay queryable
}

}  // namespace
}  // namespace arena::leaderboards

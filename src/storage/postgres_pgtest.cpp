// The PostgreSQL connection layer and migrations against a real server (label pg).
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <thread>

#include "arena/storage/migrations.hpp"
#include "arena/storage/pg_leader.hpp"
#include "arena/storage/postgres.hpp"
#include "arena/testing/postgres_server.hpp"

namespace arena::storage {
namespace {

using testing::PostgresServer;

TEST(Postgres, ValuesRoundTripAsTextWithNullsAndTheShortestDoubles) {
  PostgresServer pg;
  PgPool pool({.url = pg.url(), .size = 2});
  const auto r = pool.with([](Pg& c) {
    return c.query("SELECT $1::bigint, $2::float8, $3::text, $4::text, $5::boolean, $6::bigint",
                   std::int64_t{-9'007'199'254'740'993}, 0.1 + 0.2, std::string("it's \"quoted\" — ünïcode"),
                   std::optional<std::string>{}, true, std::optional<std::int64_t>{42});
  });
  ASSERT_EQ(r.rows(), 1);
  EXPECT_EQ(r.int64(0, 0), -9'007'199'254'740'993);
  EXPECT_EQ(r.real(0, 1), 0.1 + 0.2);  // exactly: the shortest text that reads back the same
  EXPECT_EQ(r.text(0, 2), "it's \"quoted\" — ünïcode");
  EXPECT_TRUE(r.is_null(0, 3));
  EXPECT_FALSE(r.optional_text(0, 3));
  EXPECT_TRUE(r.boolean(0, 4));
  EXPECT_EQ(r.optional_int64(0, 5), 42);
}

TEST(Postgres, ATextArrayCarriesAnyStringWhole) {
  PostgresServer pg;
  PgPool pool({.url = pg.url(), .size = 1});
  const std::vector<std::string> values{"plain", "with \"quotes\"", "back\\slash", "comma, and {braces}", "", "NULL"};
  const auto r = pool.with([&](Pg& c) { return c.query("SELECT unnest($1::text[])", text_array(values)); });
  ASSERT_EQ(r.rows(), static_cast<int>(values.size()));
  for (int i = 0; i < r.rows(); ++i) {
    EXPECT_FALSE(r.is_null(i, 0));  // "NULL" quoted is the text, not a null
    EXPECT_EQ(r.text(i, 0), values[static_cast<std::size_t>(i)]);
  }
}

// Transactions that lock overlapping names, each listing them in its own order, wait for each
// other and never deadlock; a lock is held to the end of its transaction.
TEST(Postgres, NamedLocksAreTakenInOneOrderAndHeldToTheEnd) {
  PostgresServer pg;
  PgPool pool({.url = pg.url(), .size = 4, .attempts = 1});  // a deadlock would fail, not retry
  pool.with([](Pg& c) { c.exec("CREATE TABLE n (k INT PRIMARY KEY, v INT NOT NULL)"); });
  pool.with([](Pg& c) { c.exec("INSERT INTO n VALUES (1, 0)"); });
  std::vector<std::string> names;
  for (int i = 0; i < 40; ++i) names.push_back("player-" + std::to_string(i));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      auto mine = names;
      if (t % 2 == 1) std::reverse(mine.begin(), mine.end());
      for (int i = 0; i < 20; ++i) {
        try {
          pool.transaction([&](Pg& c) {
            lock_names(c, mine);
            // Read, then write what was read plus one: only safe while the locks are held.
            const auto v = c.query("SELECT v FROM n WHERE k = 1").int64(0, 0);
            c.query("UPDATE n SET v = $1 WHERE k = 1", v + 1);
          });
        } catch (const std::exception&) {
          ++failures;
        }
      }
    });
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(pool.with([](Pg& c) { return c.query("SELECT v FROM n WHERE k = 1").int64(0, 0); }), 80);
}

TEST(PgLeaderLock, OneHoldsAtATimeAndAnotherTakesOverWhenItGoes) {
  PostgresServer pg;
  auto first = std::make_unique<PgLeaderLock>(pg.url(), 42);
  PgLeaderLock second(pg.url(), 42), other_key(pg.url(), 43);
  EXPECT_TRUE(first->hold());
  EXPECT_FALSE(second.hold());
  EXPECT_TRUE(first->hold());     // still the holder
  EXPECT_TRUE(other_key.hold());  // another key: another lock
  first.reset();                  // its process ends: the connection closes
  bool taken = false;
  for (int i = 0; i < 100 && !taken; ++i) {  // PostgreSQL frees it as soon as it sees the close
    taken = second.hold();
    if (!taken) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(taken);
  pg.stop();
  EXPECT_FALSE(second.hold());  // cannot tell: not the leader
  pg.start();
  EXPECT_TRUE(second.hold());  // nobody else: takes it again
}

TEST(Postgres, ErrorsCarryTheirSqlstate) {
  PostgresServer pg;
  PgPool pool({.url = pg.url(), .size = 1});
  pool.with([](Pg& c) { c.exec("CREATE TABLE t (k TEXT PRIMARY KEY)"); });
  pool.with([](Pg& c) { c.query("INSERT INTO t VALUES ($1)", "a"); });
  try {
    pool.with([](Pg& c) { c.query("INSERT INTO t VALUES ($1)", "a"); });
    FAIL() << "a duplicate key went in";
  } catch (const PgError& e) {
    EXPECT_TRUE(e.is_unique_violation()) << e.what();
    EXPECT_EQ(e.kind(), PgError::Kind::query);
    EXPECT_FALSE(e.is_unavailable());
  }
  // The connection is still good after a failed statement (outside a transaction).
  EXPECT_EQ(pool.with([](Pg& c) { return c.query("SELECT count(*) FROM t").int64(0, 0); }), 1);
  EXPECT_EQ(pool.open(), 1);
}

TEST(Postgres, ATransactionThatFailsWithASerializationFailureRunsAgainAndCommitsOnce) {
  PostgresServer pg;
  PgPool pool({.url = pg.url(), .size = 2, .attempts = 3, .retry_backoff = std::chrono::milliseconds(1)});
  pool.with([](Pg& c) { c.exec("CREATE TABLE n (v INTEGER NOT NULL); INSERT INTO n VALUES (0)"); });
  int tries = 0;
  const int v = pool.transaction([&](Pg& c) {
    c.query("UPDATE n SET v = v + 1");
    if (++tries == 1)  // the server's own error, as a concurrent serializable transaction gets it
      c.exec("DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = 'serialization_failure'; END $$");
    return static_cast<int>(c.query("SELECT v FROM n").int64(0, 0));
  });
  EXPECT_EQ(tries, 2);
  EXPECT_EQ(v, 1);  // the first try's update was rolled back
  // Past the budget the failure reaches the caller, and nothing of it is left.
  EXPECT_THROW(pool.transaction([&](Pg& c) {
    c.query("UPDATE n SET v = v + 100");
    c.exec("DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = 'serialization_failure'; END $$");
  }),
               PgError);
  EXPECT_EQ(pool.with([](Pg& c) { return c.query("SELECT v FROM n").int64(0, 0); }), 1);
}

TEST(Postgres, AnExceptionInsideATransactionRollsItBackAndTheConnectionServesAgain) {
  PostgresServer pg;
  PgPool pool({.url = pg.url(), .size = 1});
  pool.with([](Pg& c) { c.exec("CREATE TABLE t (k TEXT PRIMARY KEY)"); });
  EXPECT_THROW(pool.transaction([](Pg& c) {
    c.query("INSERT INTO t VALUES ('x')");
    throw std::runtime_error("the caller changed its mind");
  }),
               std::runtime_error);
  EXPECT_EQ(pool.with([](Pg& c) { return c.query("SELECT count(*) FROM t").int64(0, 0); }), 0);
  // A connection handed back inside a transaction is rolled back, not reused mid-transaction.
  pool.with([](Pg& c) {
    c.exec("BEGIN");
    c.query("INSERT INTO t VALUES ('y')");
  });
  EXPECT_EQ(pool.with([](Pg& c) { return c.query("SELECT count(*) FROM t").int64(0, 0); }), 0);
}

TEST(Postgres, ACallInsideATransactionOnTheSameThreadJoinsIt) {
  PostgresServer pg;
  PgPool pool({.url = pg.url(), .size = 2});
  pool.with([](Pg& c) { c.exec("CREATE TABLE t (k TEXT PRIMARY KEY)"); });
  auto insert = [&](const char* k) { pool.with([&](Pg& c) { c.query("INSERT INTO t VALUES ($1)", k); }); };
  EXPECT_THROW(pool.transaction([&](Pg& c) {
    insert("inner");  // a store's own with(): the same connection, inside this transaction
    pool.transaction([&](Pg&) { insert("nested"); });  // joins too: no COMMIT of its own
    EXPECT_EQ(c.query("SELECT count(*) FROM t").int64(0, 0), 2);
    throw std::runtime_error("roll it all back");
  }),
               std::runtime_error);
  EXPECT_EQ(pool.with([](Pg& c) { return c.query("SELECT count(*) FROM t").int64(0, 0); }), 0);
  EXPECT_EQ(pool.open(), 1);  // one connection served all of it
  // Another thread inside the same moment gets a connection of its own.
  pool.transaction([&](Pg&) {
    insert("outer");
    std::thread([&] {
      EXPECT_EQ(pool.with([](Pg& c) { return c.query("SELECT count(*) FROM t").int64(0, 0); }), 0);  // not committed
    }).join();
  });
  EXPECT_EQ(pool.open(), 2);
}

TEST(Postgres, AFailureInsideAJoinedCallIsRetriedByTheOuterTransactionAsAWhole) {
  PostgresServer pg;
  PgPool pool({.url = pg.url(), .size = 2, .attempts = 3, .retry_backoff = std::chrono::milliseconds(1)});
  pool.with([](Pg& c) { c.exec("CREATE TABLE n (v INTEGER NOT NULL); INSERT INTO n VALUES (0)"); });
  int outer = 0, inner = 0;
  pool.transaction([&](Pg& c) {
    ++outer;
    c.query("UPDATE n SET v = v + 1");
    pool.transaction([&](Pg& joined) {  // a store's own transaction, joined
      if (++inner == 1)
        joined.exec("DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = 'serialization_failure'; END $$");
    });
  });
  EXPECT_EQ(outer, 2);  // the whole transaction ran again, not the joined part alone
  EXPECT_EQ(inner, 2);
  EXPECT_EQ(pool.with([](Pg& c) { return c.query("SELECT v FROM n").int64(0, 0); }), 1);
}

TEST(Postgres, ABusyPoolAnswersUnavailableAfterItsWait) {
  PostgresServer pg;
  PgPool pool({.url = pg.url(), .size = 1, .wait = std::chrono::milliseconds(50)});
  std::atomic<bool> held{false}, release{false};
  std::thread holder([&] {
    pool.with([&](Pg&) {
      held = true;
      while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    });
  });
  while (!held) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  try {
    pool.with([](Pg&) {});
    FAIL() << "a second connection from a pool of one";
  } catch (const StorageUnavailable& e) {
    EXPECT_EQ(e.code(), Code::storage_unavailable);
    EXPECT_NE(e.detail().find("no free connection"), std::string::npos) << e.detail();
  }
  release = true;
  holder.join();
  EXPECT_NO_THROW(pool.with([](Pg& c) { c.exec("SELECT 1"); }));
}

TEST(Postgres, AfterTheServerRestartsThePoolLendsNoConnectionItClosed) {
  PostgresServer pg;
  PgPool pool({.url = pg.url(), .size = 2, .attempts = 1});
  EXPECT_NO_THROW(pool.with([](Pg& c) { c.exec("SELECT 1"); }));
  pg.stop();
  try {
    pool.with([](Pg& c) { c.exec("SELECT 1"); });
    FAIL() << "a query while the server is down";
  } catch (const StorageUnavailable& e) {
    EXPECT_FALSE(e.detail().empty());
  }
  pg.start();
  // The idle connection from before the restart was closed by the server: the pool notices that
  // when it would lend it, drops it and connects afresh, so the first call after works.
  EXPECT_NO_THROW(pool.with([](Pg& c) { c.exec("SELECT 1"); }));
  EXPECT_EQ(pool.open(), 1);
  PgPool retrying({.url = pg.url(), .size = 1, .attempts = 3});
  EXPECT_EQ(retrying.transaction([](Pg& c) { return c.query("SELECT 7").int64(0, 0); }), 7);
}

TEST(PostgresMigrations, TwoProcessesStartingAtOnceApplyEachMigrationOnce) {
  PostgresServer pg;
  const auto url = pg.create_database("mig");
  const auto& all = postgres_migrations();
  ASSERT_GE(all.size(), 5u);
  EXPECT_FALSE(migration_status(url, all)[0].applied_at);
  std::atomic<int> applied{0};
  std::vector<std::thread> starters;
  for (int i = 0; i < 3; ++i) starters.emplace_back([&] { applied += migrate_up(url, all, 1000); });
  for (auto& t : starters) t.join();
  EXPECT_EQ(applied.load(), static_cast<int>(all.size()));
  for (const auto& s : migration_status(url, all)) {
    EXPECT_EQ(s.applied_at, 1000) << s.name;
    EXPECT_FALSE(s.modified) << s.name;
  }
  EXPECT_EQ(migrate_up(url, all, 2000), 0);
  // An edited migration shows as modified.
  auto edited = all;
  edited[0].sql += "\n-- edited";
  EXPECT_TRUE(migration_status(url, edited)[0].modified);
}

TEST(PostgresMigrations, AFailingMigrationLeavesNothingOfItselfAndStopsTheRest) {
  PostgresServer pg;
  const auto url = pg.create_database("bad");
  const std::vector<Migration> list = {{1, "one", "CREATE TABLE a (x INTEGER)"},
                                       {2, "two", "CREATE TABLE b (y INTEGER); INSERT INTO nowhere VALUES (1)"},
                                       {3, "three", "CREATE TABLE c (z INTEGER)"}};
  EXPECT_THROW(migrate_up(url, list, 1), PgError);
  const auto st = migration_status(url, list);
  EXPECT_TRUE(st[0].applied_at);
  EXPECT_FALSE(st[1].applied_at);
  EXPECT_FALSE(st[2].applied_at);
  auto c = Pg::connect(url);
  EXPECT_EQ(c->query("SELECT count(*) FROM pg_tables WHERE tablename IN ('b', 'c')").int64(0, 0), 0);
}

}  // namespace
}  // namespace arena::storage

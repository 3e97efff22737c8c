#include "arena/storage/migrations.hpp"

#include <gtest/gtest.h>

#include <filesystem>

namespace arena::storage {
namespace {

struct TempDb {
  TempDb() {
    path = std::filesystem::temp_directory_path() /
           ("arena-mig-" + std::to_string(::getpid()) + "-" + std::to_string(counter++) + ".db");
    db = Sqlite::open(path);
  }
  ~TempDb() {
    db.reset();
    for (auto suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
  }
  static inline int counter = 0;
  std::filesystem::path path;
  std::unique_ptr<Sqlite> db;
};

}  // namespace

TEST(Migrations, ApplyInOrderOnceAndReportStatus) {
  TempDb t;
  std::vector<Migration> list = {{1, "one", "CREATE TABLE a(x INTEGER);"}, {2, "two", "INSERT INTO a VALUES (7);"}};
  auto before = migration_status(*t.db, list);
  ASSERT_EQ(before.size(), 2u);
  EXPECT_FALSE(before[0].applied_at);
  EXPECT_EQ(migrate_up(*t.db, list, 100), 2);
  EXPECT_EQ(migrate_up(*t.db, list, 200), 0);
  auto after = migration_status(*t.db, list);
  EXPECT_EQ(after[1].applied_at, 100);
  EXPECT_FALSE(after[1].modified);
  t.db->with([](Sqlite& c) {
    auto& st = c.prepare("SELECT count(*) FROM a").bind();
    ASSERT_TRUE(st.step());
    EXPECT_EQ(st.int64(0), 1);
  });
  list[1].sql = "INSERT INTO a VALUES (8);";
  EXPECT_TRUE(migration_status(*t.db, list)[1].modified);
}

TEST(Migrations, AFailingMigrationRollsBackAndStops) {
  TempDb t;
  std::vector<Migration> list = {{1, "ok", "CREATE TABLE a(x INTEGER);"},
                                 {2, "bad", "INSERT INTO a VALUES (1); INSERT INTO nope VALUES (1);"},
                                 {3, "later", "CREATE TABLE c(x INTEGER);"}};
  EXPECT_THROW(migrate_up(*t.db, list, 1), SqliteError);
  auto st = migration_status(*t.db, list);
  EXPECT_TRUE(st[0].applied_at);
  EXPECT_FALSE(st[1].applied_at);
  EXPECT_FALSE(st[2].applied_at);
  t.db->with([](Sqlite& c) {
    auto& q = c.prepare("SELECT count(*) FROM a").bind();
    ASSERT_TRUE(q.step());
    EXPECT_EQ(q.int64(0), 0);  // the half-applied migration left nothing behind
  });
}

TEST(Migrations, ShippedMigrationsApplyToAnEmptyDatabase) {
  TempDb t;
  const auto& shipped = sqlite_migrations();
  ASSERT_FALSE(shipped.empty());
  for (std::size_t i = 0; i < shipped.size(); ++i) EXPECT_EQ(shipped[i].version, static_cast<int>(i + 1));
  EXPECT_EQ(migrate_up(*t.db, shipped, 1), static_cast<int>(shipped.size()));
}

}  // namespace arena::storage

#include "arena/storage/sqlite.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

namespace arena::storage {
namespace {

struct TempDir {
  TempDir() {
    path = std::filesystem::temp_directory_path() / ("arena-sqlite-" + std::to_string(::getpid()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::filesystem::path path;
};

// Frames in the WAL and how many of them are copied back into the database, as a PASSIVE
// checkpoint of another connection finds them (it copies nothing that is copied already).
std::pair<std::int64_t, std::int64_t> wal_state(Sqlite& other) {
  return other.with([](Sqlite& c) {
    auto& st = c.prepare("PRAGMA wal_checkpoint(PASSIVE)").bind();
    EXPECT_TRUE(st.step());
    return std::pair{st.int64(1), st.int64(2)};
  });
}

void write_pages(Sqlite& db, int rows) {
  db.with([&](Sqlite& c) {
    Transaction tx(c);
    auto& ins = c.prepare("INSERT INTO t (v) VALUES (?)");
    for (int i = 0; i < rows; ++i) ins.bind(std::string(1000, static_cast<char>('a' + i % 26))).exec();
    tx.commit();
  });
}

}  // namespace

TEST(SqliteCheckpoints, TheBackgroundThreadCopiesTheWalBackAfterACommitCrossesTheMark) {
  TempDir dir;
  auto db = Sqlite::open(dir.path / "a.db");
  db->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
  db->checkpoint_in_background(50);
  write_pages(*db, 400);  // ~100 pages: past the mark, short of the writer's own checkpoint at 400
  auto other = Sqlite::open(dir.path / "a.db");
  // The checkpointer runs on its own thread: wait (bounded) until every frame is copied back.
  std::pair<std::int64_t, std::int64_t> state;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  do {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    state = wal_state(*other);
  } while (state.first != state.second && std::chrono::steady_clock::now() < until);
  EXPECT_GT(state.first, 50);
  EXPECT_EQ(state.first, state.second);
}

TEST(SqliteCheckpoints, TheWalStaysBoundedUnderManyCommitsAndNothingIsLost) {
  TempDir dir;
  auto db = Sqlite::open(dir.path / "a.db");
  db->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
  db->checkpoint_in_background(50);
  for (int i = 0; i < 100; ++i) write_pages(*db, 40);  // ~1,000 pages written in all
  // However the checkpointer kept up, the writer restarts the WAL before it holds 8 × 50 pages
  // and one commit more.
  EXPECT_LT(std::filesystem::file_size(dir.path / "a.db-wal"), (8 * 50 + 20) * 4200u);
  db.reset();
  auto again = Sqlite::open(dir.path / "a.db");
  again->with([](Sqlite& c) {
    auto& st = c.prepare("SELECT count(*) FROM t").bind();
    ASSERT_TRUE(st.step());
    EXPECT_EQ(st.int64(0), 4000);
  });
}

}  // namespace arena::storage

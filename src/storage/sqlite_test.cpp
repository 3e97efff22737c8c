#include "arena/storage/sqlite.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

namespace arena::storage {
namespace {

struct TempDir {
  TempDir() : path(std::filesystem::temp_directory_path() / ("arena-sqlite-" + std::to_string(::getpid()))) {
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::filesystem::path path;
};

void write_pages(Sqlite& db, int rows) {
  db.with([&](Sqlite& c) {
    Transaction tx(c);
    auto& ins = c.prepare("INSERT INTO t (v) VALUES (?)");
    for (int i = 0; i < rows; ++i) ins.bind(std::string(1000, static_cast<char>('a' + i % 26))).exec();
    tx.commit();
  });
}

}  // namespace

TEST(SqliteTransaction, InsideAnOpenTransactionItJoinsAndTheOuterDecides) {
  TempDir dir;
  auto db = Sqlite::open(dir.path / "a.db");
  db->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
  auto count = [&] {
    return db->with([](Sqlite& c) {
      auto& st = c.prepare("SELECT count(*) FROM t");
      st.step();
      const auto n = st.int64(0);
      st.reset_if_busy();
      return n;
    });
  };
  auto inner = [](Sqlite& c, const char* v) {  // what a store does: its own transaction
    Transaction tx(c);
    c.prepare("INSERT INTO t (v) VALUES (?)").bind(std::string(v)).exec();
    tx.commit();
  };
  db->with([&](Sqlite& c) {
    EXPECT_FALSE(c.in_transaction());
    Transaction outer(c);
    EXPECT_TRUE(c.in_transaction());
    inner(c, "a");
    EXPECT_TRUE(c.in_transaction());  // the inner commit() left the outer open
    // outer not committed: everything is undone
  });
  EXPECT_EQ(count(), 0);
  db->with([&](Sqlite& c) {
    Transaction outer(c);
    inner(c, "a");
    try {
      Transaction failing(c);
      c.prepare("INSERT INTO t (id, v) VALUES (1, 'dup')").exec();  // id 1 is "a"'s
      failing.commit();
    } catch (const SqliteError&) {  // a joined part that fails leaves the outer to decide
    }
    outer.commit();
  });
  EXPECT_EQ(count(), 1);
  EXPECT_FALSE(db->with([](Sqlite& c) { return c.in_transaction(); }));
}

TEST(SqliteCheckpoints, TheBackgroundThreadCopiesTheWalBackAfterACommitCrossesTheMark) {
  TempDir dir;
  auto db = Sqlite::open(dir.path / "a.db");
  db->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
  db->checkpoint_in_background(50);
  const auto file = dir.path / "a.db";
  EXPECT_LT(std::filesystem::file_size(file), 8 * 4096u);  // everything so far is in the WAL
  write_pages(*db, 400);  // ~100 pages: past the mark, short of the writer's own checkpoint at 400
  // Only the checkpointer copies pages into the database file (nobody else checkpoints here):
  // wait (bounded) until the file holds them. Looking at its size disturbs nothing.
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::filesystem::file_size(file) < 90 * 4096u && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_GE(std::filesystem::file_size(file), 90 * 4096u);
}

TEST(SqliteCheckpoints, TheWalStaysBoundedUnderManyCommitsAndNothingIsLost) {
  TempDir dir;
  auto db = Sqlite::open(dir.path / "a.db");
  db->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT NOT NULL)");
  db->checkpoint_in_background(50);
  // ~2,000 pages written in all, in commits of ~10 back to back: a writer that never pauses,
  // so every PASSIVE checkpoint finds new frames after the ones it copied.
  for (int i = 0; i < 200; ++i) write_pages(*db, 40);
  // The WAL started over again and again: what it holds now is a small part of all that was
  // written. (This PASSIVE checkpoint of another connection only reads the count.)
  auto other = Sqlite::open(dir.path / "a.db");
  std::int64_t frames = -1;  // -1 while the checkpointer holds the checkpoint lock: ask again (bounded)
  for (int i = 0; i < 400 && frames < 0; ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    frames = other->with([](Sqlite& c) {
      auto& st = c.prepare("PRAGMA wal_checkpoint(PASSIVE)").bind();
      EXPECT_TRUE(st.step());
      return st.int64(1);
    });
  }
  EXPECT_GE(frames, 0);
  // Restarted at 8 × 50 pages, plus a commit, plus the commits whose own checkpoint found the
  // thread's running (it then tries at the next): far below the ~2,000 written.
  EXPECT_LT(frames, 1000);
  other.reset();
  db.reset();
  auto again = Sqlite::open(dir.path / "a.db");
  again->with([](Sqlite& c) {
    auto& st = c.prepare("SELECT count(*) FROM t").bind();
    ASSERT_TRUE(st.step());
    EXPECT_EQ(st.int64(0), 8000);
  });
}

}  // namespace arena::storage

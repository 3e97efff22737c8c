#include "arena/storage/sqlite.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

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

// for_rows() writes and reads any number of rows, in chunks of up to 64, in order, with the
// head's own parameters bound in every chunk.
TEST(SqliteRows, ManyRowsGoInChunksInOrderWithTheHeadsParametersInEach) {
  TempDir dir;
  auto db = Sqlite::open(dir.path / "rows.db");
  db->exec("CREATE TABLE t (id INTEGER PRIMARY KEY, tag TEXT NOT NULL, v TEXT NOT NULL)");
  for (const std::size_t n : {0u, 1u, 2u, 63u, 64u, 65u, 200u}) {
    db->exec("DELETE FROM t");
    std::vector<std::string> values;
    for (std::size_t i = 0; i < n; ++i) values.push_back("v" + std::to_string(i));
    std::vector<std::int64_t> returned;
    db->with([&](Sqlite& c) {
      for_rows(
          c, {"INSERT INTO t (id, tag, v) SELECT column1, ?, column2 FROM (VALUES ", "(?, ?)", ") RETURNING id"},
          values.size(), [](Statement& st) { st.bind_at(1, "tag"); },
          [&](Statement& st, std::size_t i, int p) {
            st.bind_at(p, static_cast<std::int64_t>(i)).bind_at(p + 1, values[i]);
          },
          [&](Statement& st) { returned.push_back(st.int64(0)); });
    });
    EXPECT_EQ(returned.size(), n);
    std::vector<std::string> read;
    std::vector<std::int64_t> ids;
    for (std::size_t i = 0; i < n; ++i) ids.push_back(static_cast<std::int64_t>(n - 1 - i));  // any order
    db->with([&](Sqlite& c) {
      for_rows(
          c, {"SELECT v FROM t WHERE tag = ? AND id IN (", "?", ") ORDER BY id"}, ids.size(),
          [](Statement& st) { st.bind_at(1, "tag"); },
          [&](Statement& st, std::size_t i, int p) { st.bind_at(p, ids[i]); },
          [&](Statement& st) { read.push_back(st.text(0)); });
    });
    // One ordered SELECT per chunk: each chunk's rows in order, the chunks by their first id.
    std::sort(read.begin(), read.end(), [](const std::string& a, const std::string& b) {
      return std::stoi(a.substr(1)) < std::stoi(b.substr(1));
    });
    EXPECT_EQ(read, values) << n << " rows";
  }
  EXPECT_EQ((RowsSql{"SELECT * FROM t WHERE id IN (", "?", ")"}.text(3)), "SELECT * FROM t WHERE id IN (?, ?, ?)");
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

#pragma once
// The board store suite's SQLite back end: a fresh, migrated database in a temp dir (tests).
#include <memory>

#include "arena/storage/migrations.hpp"
#include "arena/storage/sqlite.hpp"
#include "arena/testing/temp_dir.hpp"
#include "store_conformance.hpp"

namespace arena::leaderboards::testing {

struct SqliteBackend final : BoardBackend {
  arena::testing::TempDir dir;
  std::unique_ptr<storage::Sqlite> db = storage::Sqlite::open(dir.path() / "boards.db");
  SqliteBackend() { storage::migrate_up(*db, storage::sqlite_migrations(), 0); }
  std::unique_ptr<BoardStore> store(RankIndex* index) override {
    return std::make_unique<SqliteBoardStore>(*db, index);
  }
};

}  // namespace arena::leaderboards::testing

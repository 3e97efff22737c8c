// The board store conformance suite (store_conformance.cpp) on SQLite.
#include "arena/storage/migrations.hpp"
#include "arena/storage/sqlite.hpp"
#include "arena/testing/temp_dir.hpp"
#include "store_conformance.hpp"

namespace arena::leaderboards::testing {
namespace {

struct SqliteBackend final : BoardBackend {
  arena::testing::TempDir dir;
  std::unique_ptr<storage::Sqlite> db = storage::Sqlite::open(dir.path() / "boards.db");
  SqliteBackend() { storage::migrate_up(*db, storage::sqlite_migrations(), 0); }
  std::unique_ptr<BoardStore> store(RankIndex* index) override {
    return std::make_unique<SqliteBoardStore>(*db, index);
  }
};

INSTANTIATE_TEST_SUITE_P(Sqlite, BoardStoreConformance,
                         ::testing::Values(BoardStoreFactory{"sqlite",
                                                             [] { return std::make_unique<SqliteBackend>(); }}),
                         factory_name);

}  // namespace
}  // namespace arena::leaderboards::testing

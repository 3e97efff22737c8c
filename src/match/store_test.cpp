// The match store conformance suite (store_conformance.cpp) on SQLite.
#include "arena/jobs/sqlite_store.hpp"
#include "arena/storage/migrations.hpp"
#include "arena/storage/sqlite.hpp"
#include "arena/testing/temp_dir.hpp"
#include "store_conformance.hpp"

namespace arena::match::testing {
namespace {

class SqliteBackend final : public MatchStoreBackend {
 public:
  SqliteBackend() { storage::migrate_up(*db_, storage::sqlite_migrations(), 1); }
  MatchStore& store() override { return store_; }
  jobs::JobStore& jobs() override { return jobs_; }

 private:
  arena::testing::TempDir dir_;
  std::unique_ptr<storage::Sqlite> db_ = storage::Sqlite::open(dir_.path() / "arena.db");
  SqliteMatchStore store_{*db_};
  jobs::SqliteJobStore jobs_{*db_};
};

INSTANTIATE_TEST_SUITE_P(Sqlite, MatchStoreConformance,
                         ::testing::Values(MatchStoreFactory{"sqlite",
                                                             [] { return std::make_unique<SqliteBackend>(); }}),
                         factory_name);

}  // namespace
}  // namespace arena::match::testing

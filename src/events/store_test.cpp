// The event store conformance suite (store_conformance.cpp) on SQLite.
#include "arena/storage/migrations.hpp"
#include "arena/storage/sqlite.hpp"
#include "arena/testing/temp_dir.hpp"
#include "store_conformance.hpp"

namespace arena::events::testing {
namespace {

class SqliteBackend final : public StoreBackend {
 public:
  SqliteBackend() { storage::migrate_up(*db_, storage::sqlite_migrations(), 1'800'000'000); }
  EventStore& store() override { return store_; }

 private:
  arena::testing::TempDir dir_;
  std::unique_ptr<storage::Sqlite> db_ = storage::Sqlite::open(dir_.path() / "events.db");
  SqliteEventStore store_{*db_};
};

INSTANTIATE_TEST_SUITE_P(Sqlite, EventStoreConformance,
                         ::testing::Values(StoreFactory{"sqlite", [] { return std::make_unique<SqliteBackend>(); }}),
                         store_name);

}  // namespace
}  // namespace arena::events::testing

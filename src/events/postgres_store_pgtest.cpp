// The event store conformance suite (store_conformance.cpp) on PostgreSQL.
#include "arena/storage/migrations.hpp"
#include "arena/storage/postgres.hpp"
#include "arena/testing/postgres_server.hpp"
#include "store_conformance.hpp"

namespace arena::events::testing {
namespace {

class PostgresBackend final : public StoreBackend {
 public:
  PostgresBackend() { storage::migrate_up(url_, storage::postgres_migrations(), 1'800'000'000); }
  EventStore& store() override { return store_; }

 private:
  arena::testing::PostgresServer server_;
  std::string url_ = server_.create_database("events");
  // No retries: a deadlock between two batches written at once fails the suite instead of being tried again.
  storage::PgPool pool_{{.url = url_, .size = 4, .attempts = 1}};
  PgEventStore store_{pool_};
};

INSTANTIATE_TEST_SUITE_P(Postgres, EventStoreConformance,
                         ::testing::Values(StoreFactory{"postgres",
                                                        [] { return std::make_unique<PostgresBackend>(); }}),
                         store_name);

}  // namespace
}  // namespace arena::events::testing

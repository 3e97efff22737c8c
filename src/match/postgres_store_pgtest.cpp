// The match store conformance suite (store_conformance.cpp) on PostgreSQL.
#include "arena/jobs/postgres_store.hpp"
#include "arena/storage/migrations.hpp"
#include "arena/storage/postgres.hpp"
#include "arena/testing/postgres_server.hpp"
#include "store_conformance.hpp"

namespace arena::match::testing {
namespace {

class PostgresBackend final : public MatchStoreBackend {
 public:
  PostgresBackend() { storage::migrate_up(url_, storage::postgres_migrations(), 1); }
  MatchStore& store() override { return store_; }
  jobs::JobStore& jobs() override { return jobs_; }

 private:
  arena::testing::PostgresServer server_;
  std::string url_ = server_.create_database("arena");
  storage::PgPool pool_{{.url = url_, .size = 4}};
  PostgresMatchStore store_{pool_};
  jobs::PostgresJobStore jobs_{pool_};
};

INSTANTIATE_TEST_SUITE_P(Postgres, MatchStoreConformance,
                         ::testing::Values(MatchStoreFactory{"postgres",
                                                             [] { return std::make_unique<PostgresBackend>(); }}),
                         factory_name);

}  // namespace
}  // namespace arena::match::testing

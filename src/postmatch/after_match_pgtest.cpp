// The after-match suite (after_match_conformance.cpp) on PostgreSQL: the workers' transactions
// really run at once here.
#include "after_match_conformance.hpp"
#include "arena/jobs/postgres_store.hpp"
#include "arena/storage/migrations.hpp"
#include "arena/storage/postgres.hpp"
#include "arena/testing/postgres_server.hpp"

namespace arena::postmatch::testing {
namespace {

class PostgresBackend final : public Backend {
 public:
  PostgresBackend() { storage::migrate_up(url_, storage::postgres_migrations(), 1); }
  jobs::JobStore& jobs() override { return jobs_; }
  Stores stores() override { return {matches_, ratings_, boards_}; }
  std::int64_t count(const std::string& sql) override {
    return pool_.with([&](storage::Pg& c) { return c.query(sql).int64(0, 0); });
  }

 private:
  arena::testing::PostgresServer server_;
  std::string url_ = server_.create_database("arena");
  storage::PgPool pool_{{.url = url_, .size = 8}};
  jobs::PostgresJobStore jobs_{pool_};
  match::PostgresMatchStore matches_{pool_};
  ratings::PostgresRatingStore ratings_{pool_};
  leaderboards::PostgresBoardStore boards_{pool_};
};

INSTANTIATE_TEST_SUITE_P(Postgres, AfterMatchConformance,
                         ::testing::Values(BackendFactory{"postgres",
                                                          [] { return std::make_unique<PostgresBackend>(); }}),
                         factory_name);

}  // namespace
}  // namespace arena::postmatch::testing

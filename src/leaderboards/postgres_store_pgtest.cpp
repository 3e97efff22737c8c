// The board store conformance suite (store_conformance.cpp) on PostgreSQL.
#include "arena/storage/migrations.hpp"
#include "arena/storage/postgres.hpp"
#include "arena/testing/postgres_server.hpp"
#include "store_conformance.hpp"

namespace arena::leaderboards::testing {
namespace {

struct PostgresBackend final : BoardBackend {
  arena::testing::PostgresServer server;
  std::string url = server.create_database("arena");
  std::unique_ptr<storage::PgPool> pool;
  PostgresBackend() {
    storage::migrate_up(url, storage::postgres_migrations(), 1);
    pool = std::make_unique<storage::PgPool>(storage::PgPoolSettings{.url = url, .size = 4});
  }
  std::unique_ptr<BoardStore> store(RankIndex* index) override {
    return std::make_unique<PostgresBoardStore>(*pool, index);
  }
};

INSTANTIATE_TEST_SUITE_P(Postgres, BoardStoreConformance,
                         ::testing::Values(BoardStoreFactory{"postgres",
                                                             [] { return std::make_unique<PostgresBackend>(); }}),
                         factory_name);

}  // namespace
}  // namespace arena::leaderboards::testing

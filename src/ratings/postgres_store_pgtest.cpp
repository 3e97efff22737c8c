// The rating store conformance suite (store_conformance.cpp) on PostgreSQL.
#include "arena/storage/migrations.hpp"
#include "arena/storage/postgres.hpp"
#include "arena/testing/postgres_server.hpp"
#include "store_conformance.hpp"

namespace arena::ratings::testing {
namespace {

RatingStoreFactory postgres_factory() {
  return {"postgres", [] {
            struct Owned {
              arena::testing::PostgresServer server;
              std::string url = server.create_database("arena");
              storage::PgPool pool{{.url = url, .size = 4}};
              PostgresRatingStore store{pool};
            };
            auto o = std::make_shared<Owned>();
            storage::migrate_up(o->url, storage::postgres_migrations(), 1);
            auto* pool = &o->pool;
            return MadeStore{o, &o->store, [pool](const std::function<void()>& fn) {
                               pool->transaction([&](storage::Pg&) { fn(); });
                             }};
          }};
}

INSTANTIATE_TEST_SUITE_P(Postgres, RatingStoreConformance, ::testing::Values(postgres_factory()), factory_name);

}  // namespace
}  // namespace arena::ratings::testing

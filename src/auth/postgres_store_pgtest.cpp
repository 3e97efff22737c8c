#include "arena/auth/postgres_store.hpp"

#include "arena/storage/migrations.hpp"
#include "arena/testing/postgres_server.hpp"
#include "store_conformance.hpp"

namespace arena::auth::testing {
namespace {

AuthStores postgres_stores() {
  struct Owned {
    arena::testing::PostgresServer server;
    std::string url = server.create_database("arena");
    storage::PgPool pool{{.url = url, .size = 8}};
    PostgresAuthStore store{pool};
  };
  auto o = std::make_shared<Owned>();
  storage::migrate_up(o->url, storage::postgres_migrations(), 1);
  return {o, &o->store, &o->store};
}

INSTANTIATE_TEST_SUITE_P(Postgres, AuthStoreConformance,
                         ::testing::Values(AuthStoreFactory{"postgres", postgres_stores}), factory_name);

}  // namespace
}  // namespace arena::auth::testing

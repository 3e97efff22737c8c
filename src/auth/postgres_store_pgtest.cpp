#include "arena/auth/postgres_store.hpp"

#include "arena/storage/migrations.hpp"
#include "arena/testing/postgres_server.hpp"
#include "store_conformance.hpp"

namespace arena::auth::testing {
namespace {

// A throwaway server with a migrated database, a pool and the store.
struct PgAuth {
  arena::testing::PostgresServer server;
  std::string url = server.create_database("arena");
  storage::PgPool pool{{.url = url, .size = 8}};
  PostgresAuthStore store{pool};
  PgAuth() { storage::migrate_up(url, storage::postgres_migrations(), 1); }
};

AuthStores postgres_stores() {
  auto o = std::make_shared<PgAuth>();
  return {o, &o->store, &o->store};
}

INSTANTIATE_TEST_SUITE_P(Postgres, AuthStoreConformance,
                         ::testing::Values(AuthStoreFactory{"postgres", postgres_stores}), factory_name);

// Logins are batched with other callers' (core::Coalescer), but one made inside a transaction of
// the pool runs alone in it: it is rolled back with that transaction.
TEST(PostgresAuthStore, ALoginInsideATransactionOfThePoolIsPartOfIt) {
  PgAuth pg;
  pg.store.device_account_login("dev-known", {"acc-known", "device", "K", std::nullopt, std::nullopt, 100},
                                {"f-0", "h-0", 100, 1000});
  struct Rollback {};
  EXPECT_THROW(pg.pool.transaction([&](storage::Pg&) {
    pg.store.guest_login({"acc-guest", "guest", "G", std::nullopt, std::nullopt, 100}, {"f-1", "h-1", 100, 1000});
    pg.store.device_account_login("dev-new", {"acc-new", "device", "N", std::nullopt, std::nullopt, 100},
                                  {"f-2", "h-2", 100, 1000});
    EXPECT_TRUE(pg.store.device_login("dev-known", {"f-3", "h-3", 100, 1000}));
    EXPECT_TRUE(pg.store.find("acc-guest"));  // seen inside
    throw Rollback{};
  }),
               Rollback);
  EXPECT_FALSE(pg.store.find("acc-guest"));
  EXPECT_FALSE(pg.store.find("acc-new"));
  for (const auto* hash : {"h-1", "h-2", "h-3"}) EXPECT_FALSE(pg.store.family_of(hash)) << hash;
  EXPECT_EQ(pg.store.family_of("h-0"), "f-0");
}

}  // namespace
}  // namespace arena::auth::testing

#include "arena/auth/sqlite_store.hpp"

#include "arena/storage/migrations.hpp"
#include "arena/testing/temp_dir.hpp"
#include "store_conformance.hpp"

namespace arena::auth::testing {
namespace {

AuthStores sqlite_stores() {
  struct Owned {
    arena::testing::TempDir dir;
    std::unique_ptr<storage::Sqlite> db = storage::Sqlite::open(dir.path() / "arena.db");
    SqliteAuthStore store{*db};
  };
  auto o = std::make_shared<Owned>();
  storage::migrate_up(*o->db, storage::sqlite_migrations(), 1);
  return {o, &o->store, &o->store};
}

INSTANTIATE_TEST_SUITE_P(Sqlite, AuthStoreConformance, ::testing::Values(AuthStoreFactory{"sqlite", sqlite_stores}),
                         factory_name);

}  // namespace
}  // namespace arena::auth::testing

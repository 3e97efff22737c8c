// The rating store conformance suite (store_conformance.cpp) on SQLite.
#include "arena/storage/migrations.hpp"
#include "arena/storage/sqlite.hpp"
#include "arena/testing/temp_dir.hpp"
#include "store_conformance.hpp"

namespace arena::ratings::testing {
namespace {

RatingStoreFactory sqlite_factory() {
  return {"sqlite", [] {
            struct Owned {
              arena::testing::TempDir dir;
              std::unique_ptr<storage::Sqlite> db = storage::Sqlite::open(dir.path() / "r.db");
              SqliteRatingStore store{*db};
            };
            auto o = std::make_shared<Owned>();
            storage::migrate_up(*o->db, storage::sqlite_migrations(), 1);
            auto* db = o->db.get();
            return MadeStore{o, &o->store, [db](const std::function<void()>& fn) {
                               db->with([&](storage::Sqlite& c) {
                                 storage::Transaction tx(c);
                                 fn();
                                 tx.commit();
                               });
                             }};
          }};
}

INSTANTIATE_TEST_SUITE_P(Sqlite, RatingStoreConformance, ::testing::Values(sqlite_factory()), factory_name);

}  // namespace
}  // namespace arena::ratings::testing

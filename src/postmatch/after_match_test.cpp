// The after-match suite (after_match_conformance.cpp) on SQLite, as the worker role sets it up:
// writes on one connection, the stored records read through a second one.
#include "after_match_conformance.hpp"
#include "arena/jobs/sqlite_store.hpp"
#include "arena/storage/migrations.hpp"
#include "arena/storage/sqlite.hpp"
#include "arena/testing/temp_dir.hpp"

namespace arena::postmatch::testing {
namespace {

class SqliteBackend final : public Backend {
 public:
  SqliteBackend() { storage::migrate_up(*db_, storage::sqlite_migrations(), 0); }
  jobs::JobStore& jobs() override { return jobs_; }
  Stores stores() override { return {matches_, ratings_, boards_}; }
  std::int64_t count(const std::string& sql) override {
    return db_->with([&](storage::Sqlite& c) {
      auto& st = c.prepare(sql);
      st.step();
      const auto n = st.int64(0);
      st.reset_if_busy();
      return n;
    });
  }

 private:
  arena::testing::TempDir dir_;
  std::unique_ptr<storage::Sqlite> db_ = storage::Sqlite::open(dir_.path() / "arena.db");
  std::unique_ptr<storage::Sqlite> reader_ = storage::Sqlite::open(dir_.path() / "arena.db");
  jobs::SqliteJobStore jobs_{*db_};
  match::SqliteMatchStore matches_{*db_, reader_.get()};
  ratings::SqliteRatingStore ratings_{*db_};
  leaderboards::SqliteBoardStore boards_{*db_, nullptr, reader_.get()};
};

INSTANTIATE_TEST_SUITE_P(Sqlite, AfterMatchConformance,
                         ::testing::Values(BackendFactory{"sqlite", [] { return std::make_unique<SqliteBackend>(); }}),
                         factory_name);

}  // namespace
}  // namespace arena::postmatch::testing

// The job store conformance suite (store_conformance.cpp) on SQLite.
#include "arena/jobs/sqlite_store.hpp"

#include "arena/storage/migrations.hpp"
#include "arena/storage/sqlite.hpp"
#include "arena/testing/temp_dir.hpp"
#include "store_conformance.hpp"

namespace arena::jobs::testing {
namespace {

class SqliteBackend final : public JobBackend {
 public:
  SqliteBackend() { storage::migrate_up(*db_, storage::sqlite_migrations(), 1'800'000'000); }
  JobStore& store() override { return store_; }
  void create_effects_table() override { db_->exec("CREATE TABLE effects (job INTEGER)"); }
  std::function<void()> insert_effect(std::int64_t v) override {
    return [this, v] {
      db_->with([&](storage::Sqlite& c) { c.prepare("INSERT INTO effects VALUES (?)").bind(v).exec(); });
    };
  }
  std::set<std::int64_t> effects() override {
    std::set<std::int64_t> out;
    db_->with([&](storage::Sqlite& c) {
      auto& st = c.prepare("SELECT job FROM effects");
      while (st.step()) out.insert(st.int64(0));
    });
    return out;
  }
  void enqueue_with_result(const std::string& id, const JobSpec& spec, std::int64_t now, bool commit) override {
    db_->exec("CREATE TABLE IF NOT EXISTS results (id TEXT PRIMARY KEY)");
    db_->with([&](storage::Sqlite& c) {
      storage::Transaction tx(c);
      c.prepare("INSERT INTO results VALUES (?)").bind(id).exec();
      SqliteJobStore::enqueue_in(c, spec, now);
      if (commit) tx.commit();
    });
  }
  bool applies_batches() const override { return true; }

 private:
  arena::testing::TempDir dir_;
  std::unique_ptr<storage::Sqlite> db_ = storage::Sqlite::open(dir_.path() / "jobs.db");
  SqliteJobStore store_{*db_};
};

INSTANTIATE_TEST_SUITE_P(Sqlite, JobStoreConformance,
                         ::testing::Values(JobBackendFactory{"sqlite",
                                                             [] { return std::make_unique<SqliteBackend>(); }}),
                         factory_name);

}  // namespace
}  // namespace arena::jobs::testing

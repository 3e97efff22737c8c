// The job store conformance suite (store_conformance.cpp) on PostgreSQL, and what only several
// worker processes can show: concurrent claims never take one job twice.
#include "arena/jobs/postgres_store.hpp"

#include <mutex>
#include <set>
#include <thread>

#include "arena/storage/migrations.hpp"
#include "arena/storage/postgres.hpp"
#include "arena/testing/postgres_server.hpp"
#include "store_conformance.hpp"

namespace arena::jobs::testing {
namespace {

class PostgresBackend final : public JobBackend {
 public:
  PostgresBackend() { storage::migrate_up(url_, storage::postgres_migrations(), 1'800'000'000); }
  JobStore& store() override { return store_; }
  storage::PgPool& pool() { return pool_; }
  void create_effects_table() override {
    pool_.with([](storage::Pg& c) { c.exec("CREATE TABLE effects (job BIGINT)"); });
  }
  std::function<void()> insert_effect(std::int64_t v) override {
    return [this, v] { pool_.with([&](storage::Pg& c) { c.query("INSERT INTO effects VALUES ($1)", v); }); };
  }
  std::set<std::int64_t> effects() override {
    std::set<std::int64_t> out;
    const auto r = pool_.with([](storage::Pg& c) { return c.query("SELECT job FROM effects"); });
    for (int i = 0; i < r.rows(); ++i) out.insert(r.int64(i, 0));
    return out;
  }
  void enqueue_with_result(const std::string& id, const JobSpec& spec, std::int64_t now, bool commit) override {
    pool_.with([](storage::Pg& c) { c.exec("CREATE TABLE IF NOT EXISTS results (id TEXT PRIMARY KEY)"); });
    struct Rollback {};
    try {
      pool_.transaction([&](storage::Pg& c) {
        c.query("INSERT INTO results VALUES ($1)", id);
        PostgresJobStore::enqueue_in(c, spec, now);
        if (!commit) throw Rollback{};
      });
    } catch (const Rollback&) {
    }
  }

 private:
  arena::testing::PostgresServer server_;
  std::string url_ = server_.create_database("jobs");
  storage::PgPool pool_{{.url = url_, .size = 8}};
  PostgresJobStore store_{pool_};
};

INSTANTIATE_TEST_SUITE_P(Postgres, JobStoreConformance,
                         ::testing::Values(JobBackendFactory{"postgres",
                                                             [] { return std::make_unique<PostgresBackend>(); }}),
                         factory_name);

TEST(PostgresJobStore, WorkersClaimingAtOnceNeverTakeOneJobTwice) {
  PostgresBackend b;
  JobSpec s;
  s.kind = "k";
  s.max_attempts = 1;
  for (int i = 0; i < 400; ++i) b.store().enqueue(s, 1'000);
  std::mutex mu;
  std::multiset<std::int64_t> claimed;
  std::vector<std::thread> workers;
  for (int w = 0; w < 6; ++w)
    workers.emplace_back([&, w] {
      for (;;) {
        const auto leases = b.store().claim("default", "w" + std::to_string(w), 7, 2'000, 60'000);
        if (leases.empty()) return;
        std::lock_guard lock(mu);
        for (const auto& l : leases) claimed.insert(l.job.id);
      }
    });
  for (auto& t : workers) t.join();
  EXPECT_EQ(claimed.size(), 400u);
  EXPECT_EQ(std::set<std::int64_t>(claimed.begin(), claimed.end()).size(), 400u);  // each once
}

}  // namespace
}  // namespace arena::jobs::testing

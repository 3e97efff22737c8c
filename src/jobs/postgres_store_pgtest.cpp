// The job store conformance suite (store_conformance.cpp) on PostgreSQL, and what only several
// worker processes can show: concurrent claims never take one job twice.
#include "arena/jobs/postgres_store.hpp"

#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include "arena/storage/migrations.hpp"
#include "arena/storage/pg_listener.hpp"
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
  arena::testing::PostgresServer& server() { return server_; }
  const std::string& url() const { return url_; }
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
  bool applies_batches() const override { return false; }

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

// Waits (bounded) until `pred` holds.
template <class P>
bool eventually(P pred) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (!pred() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return pred();
}

TEST(PostgresJobStore, WorkersHearOfAJobWhenItsEnqueueCommitsAndAfterTheirConnectionComesBack) {
  PostgresBackend b;
  std::mutex mu;
  std::vector<std::string> heard;
  storage::PgListener listener(b.url(), "arena_jobs", [&](const std::string& queue) {
    std::lock_guard lock(mu);
    heard.push_back(queue);
  });
  auto count = [&] {
    std::lock_guard lock(mu);
    return heard.size();
  };
  auto at = [&](std::size_t i) {
    std::lock_guard lock(mu);
    return heard.at(i);
  };
  ASSERT_TRUE(eventually([&] { return listener.listening(); }));
  JobSpec s;
  s.kind = "k";
  s.queue = "ratings";
  s.max_attempts = 1;
  // Enqueued in a transaction that is still open: nobody hears of it yet. A notification another
  // connection commits meanwhile arrives, alone (notifications come in commit order).
  b.pool().transaction([&](storage::Pg& c) {
    PostgresJobStore::enqueue_in(c, s, 1'000);
    storage::Pg::connect(b.url())->exec("NOTIFY arena_jobs, 'probe'");
    ASSERT_TRUE(eventually([&] { return count() == 1; }));
  });
  ASSERT_TRUE(eventually([&] { return count() == 2; }));
  EXPECT_EQ(at(0), "probe");
  EXPECT_EQ(at(1), "ratings");
  // PostgreSQL restarts: the listener comes back, says it may have missed something, and hears again.
  b.server().stop();
  ASSERT_TRUE(eventually([&] { return !listener.listening(); }));
  b.server().start();
  ASSERT_TRUE(eventually([&] { return listener.listening(); }));
  ASSERT_TRUE(eventually([&] { return count() == 3; }));
  EXPECT_EQ(at(2), "");
  b.store().enqueue(s, 2'000);
  ASSERT_TRUE(eventually([&] { return count() == 4; }));
  EXPECT_EQ(at(3), "ratings");
  EXPECT_GE(listener.reconnects(), 1);
}

}  // namespace
}  // namespace arena::jobs::testing
